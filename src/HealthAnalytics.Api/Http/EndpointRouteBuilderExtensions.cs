using HealthAnalytics.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.AspNetCore.Builder;

public static class EndpointRouteBuilderExtensions
{
    /// <summary>The dev host's routes: every row of <see cref="ApiRoutes"/>, with its auth level as metadata.</summary>
    public static IEndpointRouteBuilder MapHealthAnalyticsApi(this IEndpointRouteBuilder endpoints)
    {
        foreach (var route in ApiRoutes.All)
        {
            endpoints.MapMethods(route.Path, [route.Method], route.Handler).WithMetadata(route.Auth).WithName(route.OperationId);
        }

        return endpoints;
    }

    /// <summary>The dev host's side of <see cref="ApiErrorPolicy"/>, plus problem details for bare status codes such as
    /// an unknown route.</summary>
    public static IApplicationBuilder UseHealthAnalyticsErrorPolicy(this IApplicationBuilder app)
    {
        var log = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiErrorPolicy).FullName!);
        app.UseStatusCodePages();
        app.Use((context, next) => ApiErrorPolicy.InvokeAsync(context, () => next(context), log));
        return app;
    }
}
