using HealthAnalytics.Synthetic;

// ./dev seed: writes a synthetic encounters file, its truth and ground truth, and optionally
// uploads the file where a partner would drop it (usage: SeedArguments.Usage).
if (args is ["contract", .. var contractArgs])
{
    // Contract inference from a sample file (docs/contracts.md, "From a sample to a contract").
    return HealthAnalytics.Synthetic.ContractCommand.Run(contractArgs, Console.Out, Console.Error);
}

if (args is ["cohort", .. var cohortArgs])
{
    // The time-to-event cohort with its truth (docs/survival.md).
    return HealthAnalytics.Synthetic.Cohorts.SurvivalCohortCommand.Run(cohortArgs, Console.Out, Console.Error);
}

if (args is ["upload", .. var uploadArgs])
{
    // A partner's file into uploads/{partner}/{dataset}/ (./dev upload; docs/contracts.md).
    return await UploadCommand.RunAsync(uploadArgs, Console.Out, Console.Error, CancellationToken.None);
}

return await SeedCommand.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
