namespace HealthAnalytics.Modeling;
internal static class AssemblyMarker { }
