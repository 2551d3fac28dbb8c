using HealthAnalytics.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Functions;

/// <summary>The console's static files (docs/console.md): the same handler the dev host maps.</summary>
public sealed class ConsoleFunctions(ConsoleHandler console)
{
    [Function("Console")]
    public IActionResult Console([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console")] HttpRequest req)
    {
        ArgumentNullException.ThrowIfNull(req);
        return new ResultAction(console.GetPage(req.HttpContext.Response));
    }

    [Function("ConsoleFile")]
    public IActionResult ConsoleFile([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console/{file}")] HttpRequest req, string file)
    {
        ArgumentNullException.ThrowIfNull(req);
        return new ResultAction(console.GetFile(req.HttpContext.Response, file));
    }
}
