using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthAnalytics.Functions;

/// <summary>The Function App's composition: the shared app plus what only this host has. A test builds it with
/// scope and build validation and resolves every function class.</summary>
public static class FunctionApp
{
    public static FunctionsApplicationBuilder ConfigureHealthAnalytics(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<ApiErrorMiddleware>();
        builder.UseAppRoleAuthorization();
        builder.Services
            .AddApplicationInsightsTelemetryWorkerService()
            .ConfigureFunctionsApplicationInsights();
        builder.Services.AddHealthAnalyticsApp(builder.Configuration);
        return builder;
    }
}
