using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace HealthAnalytics.Functions;

/// <summary>Runs a shared handler's <see cref="IResult"/> inside the Functions ASP.NET Core integration,
/// which executes <see cref="IActionResult"/>s.</summary>
public sealed class ResultAction(IResult result) : IActionResult
{
    public IResult Result { get; } = result;

    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Result.ExecuteAsync(context.HttpContext);
    }
}
