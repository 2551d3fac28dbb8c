using HealthAnalytics.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Functions;

/// <summary>The model card over HTTP (docs/console.md, "Model card"): the same handler the dev host maps.</summary>
public sealed class ModelCardFunctions(ModelCardHandler cards)
{
    [Function("GetModelCard")]
    public async Task<IActionResult> GetModelCard(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models/{name}/versions/{version}/card")] HttpRequest req, string name, string version, CancellationToken cancellationToken)
        => new ResultAction(await cards.GetAsync(req, name, version, cancellationToken));
}
