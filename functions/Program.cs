using HealthAnalytics.Functions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ProblemDetailsMiddleware>();
builder.UseAppRoleAuthorization();

builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();
builder.Services
    .AddHealthAnalyticsStorage(builder.Configuration)
    .AddIngestion()
    .AddHealthAnalyticsApi()
    .AddModelsApi(builder.Configuration)
    .AddPrediction();

builder.Build().Run();
