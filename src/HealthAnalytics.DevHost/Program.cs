using HealthAnalytics.DevHost;

await DevHostApp.Build(args).RunAsync();
