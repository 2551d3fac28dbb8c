using HealthAnalytics.Api;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace HealthAnalytics.Functions;

/// <summary>
/// The Function App's side of the API's one error policy (<see cref="ApiErrorPolicy"/>, which the dev host runs as
/// ASP.NET Core middleware): HTTP invocations run inside it; other triggers rethrow so the host's retry policy applies.
/// </summary>
public sealed class ApiErrorMiddleware(ILogger<ApiErrorMiddleware> log) : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return context.GetHttpContext() is { } http ? ApiErrorPolicy.InvokeAsync(http, () => next(context), log) : next(context);
    }
}
