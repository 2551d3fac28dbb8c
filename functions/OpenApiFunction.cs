using HealthAnalytics.Api.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Functions;

/// <summary><c>GET /api/openapi.json</c> (anonymous): the same document the dev host serves.</summary>
public sealed class OpenApiFunction(OpenApiHandler openApi)
{
    [Function("OpenApi")]
    public IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest req)
        => new ResultAction(openApi.Get());
}
