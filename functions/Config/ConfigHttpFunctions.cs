using HealthAnalytics.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Functions;

/// <summary>Configuration HTTP triggers (admin): each binds the request and calls the handler the dev host calls too.</summary>
public sealed class ConfigHttpFunctions(ConfigHandler config)
{
    [Function("GetConfig")]
    public async Task<IActionResult> GetConfig(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "config")] HttpRequest req, CancellationToken cancellationToken)
        => new ResultAction(await config.GetAsync(cancellationToken));

    [Function("PutContract")]
    public async Task<IActionResult> PutContract(
        [HttpTrigger(AuthorizationLevel.Admin, "put", Route = "config/contracts/{dataset}")] HttpRequest req, string dataset, CancellationToken cancellationToken)
        => new ResultAction(await config.PutContractAsync(req, dataset, cancellationToken));

    [Function("PutModelSpec")]
    public async Task<IActionResult> PutModelSpec(
        [HttpTrigger(AuthorizationLevel.Admin, "put", Route = "config/models/{name}")] HttpRequest req, string name, CancellationToken cancellationToken)
        => new ResultAction(await config.PutModelSpecAsync(req, name, cancellationToken));
}
