namespace HealthAnalytics.Synthetic;
internal static class AssemblyMarker { }
