using HealthAnalytics.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Functions;

/// <summary>The anonymous HTTP triggers: liveness and the OpenAPI document, the same the dev host serves.</summary>
public sealed class ApiHttpFunctions(HealthHandler health, OpenApiHandler openApi)
{
    [Function("Health")]
    public IActionResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req)
        => new ResultAction(health.Get());

    [Function("OpenApi")]
    public IActionResult OpenApi([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest req)
        => new ResultAction(openApi.Get());
}
