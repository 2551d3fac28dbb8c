using HealthAnalytics.Synthetic;

// ./dev seed: writes a synthetic encounters file, its truth and ground truth, and optionally
// uploads the file where a partner would drop it (usage: SeedArguments.Usage).
return await SeedCommand.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
