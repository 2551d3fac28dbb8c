using HealthAnalytics.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Functions;

/// <summary>Upload HTTP triggers: each binds the request and calls the handler the dev host calls too.</summary>
public sealed class UploadHttpFunctions(UploadsHandler uploads)
{
    [Function("ListUploads")]
    public async Task<IActionResult> ListUploads(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "uploads")] HttpRequest req, CancellationToken cancellationToken)
        => new ResultAction(await uploads.ListAsync(req, cancellationToken));

    [Function("GetUpload")]
    public async Task<IActionResult> GetUpload(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "uploads/{uploadId}")] HttpRequest req, string uploadId, CancellationToken cancellationToken)
        => new ResultAction(await uploads.GetAsync(req, uploadId, cancellationToken));
}
