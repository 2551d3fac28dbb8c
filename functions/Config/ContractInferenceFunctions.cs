using HealthAnalytics.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Functions;

/// <summary>Contract inference (admin): binds the request and calls the handler the dev host calls too.</summary>
public sealed class ContractInferenceFunctions(ContractInferenceHandler inference)
{
    [Function("InferContract")]
    public async Task<IActionResult> InferContract(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "config/contracts/infer")] HttpRequest req, CancellationToken cancellationToken)
        => new ResultAction(await inference.InferAsync(req, cancellationToken));
}
