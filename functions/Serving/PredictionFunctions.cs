using HealthAnalytics.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Functions;

/// <summary>Prediction HTTP trigger: binds the request and calls the handler the dev host calls too.</summary>
public sealed class PredictionFunctions(PredictionHandler predictions)
{
    [Function("Predict")]
    public async Task<IActionResult> Predict(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "models/{name}/predict")] HttpRequest req, string name, CancellationToken cancellationToken)
        => new ResultAction(await predictions.PredictAsync(req, name, cancellationToken));
}
