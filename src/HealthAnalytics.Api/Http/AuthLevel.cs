namespace HealthAnalytics.Api;

/// <summary>
/// The Azure Functions authorization level of a route, attached to the dev host's endpoints as metadata so a
/// test can prove both hosts expose the same routes, methods and auth levels. The dev host does not enforce
/// keys, as <c>func start</c> does not either (docs/architecture.md).
/// </summary>
/// <param name="Level">"Anonymous", "Function" or "Admin", spelled as in <c>functions.metadata</c>.</param>
public sealed record AuthLevel(string Level)
{
    public static AuthLevel Anonymous { get; } = new("Anonymous");
    public static AuthLevel Function { get; } = new("Function");
    public static AuthLevel Admin { get; } = new("Admin");
}
