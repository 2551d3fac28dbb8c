using HealthAnalytics.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

FunctionsApplication.CreateBuilder(args).ConfigureHealthAnalytics().Build().Run();
