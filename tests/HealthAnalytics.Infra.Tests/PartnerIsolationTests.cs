using System.Text.Json.Nodes;

namespace HealthAnalytics.Infra.Tests;

/// <summary>
/// Partner isolation: one upload identity per partner of the parameter list, each with one role assignment on
/// uploads/ whose ABAC condition lets it write under its own prefix only and never read, delete or rename. The
/// conditions are the real Bicep functions evaluated by the Bicep compiler, then run against requests.
/// </summary>
public sealed class PartnerIsolationTests
{
    private const string Blobs = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs";

    /// <summary>Every data action of Storage Blob Data Contributor, the role the conditions narrow.</summary>
    private static readonly string[] ContributorActions = [$"{Blobs}/read", $"{Blobs}/write", $"{Blobs}/add/action", $"{Blobs}/delete", $"{Blobs}/move/action"];

    private static readonly string[] WriteActions = [$"{Blobs}/write", $"{Blobs}/add/action"];

    // "lab" is a prefix of "lab-b": the condition must still keep them apart.
    private static readonly string[] Partners = ["hospital-a", "lab-b", "lab"];

    private static readonly Lazy<(Dictionary<string, string> Partner, string AppUploads, string AppConfig)> Evaluated = new(Evaluate);

    /// <summary>The conditions as main.bicep builds them, evaluated by `bicep build-params`.</summary>
    private static (Dictionary<string, string>, string, string) Evaluate()
    {
        var folder = BicepCli.ScratchFolder("abac");
        File.WriteAllText(Path.Combine(folder, "conditions.bicep"), """
            param partners array
            param appUploads string
            param appConfig string
            output evaluated array = concat(partners, [appUploads, appConfig])
            """);
        var list = string.Join(", ", Partners.Select(p => $"'{p}'"));
        File.WriteAllText(Path.Combine(folder, "conditions.bicepparam"), $$"""
            using 'conditions.bicep'
            import { writeOnlyUnderPrefixCondition, readOnlyBlobsCondition } from '../../../infra/modules/types.bicep'
            param partners = map([{{list}}], p => writeOnlyUnderPrefixCondition('uploads', '${p}/'))
            param appUploads = readOnlyBlobsCondition('uploads')
            param appConfig = readOnlyBlobsCondition('config')
            """);
        var values = BicepCli.BuildParams(Path.Combine(folder, "conditions.bicepparam"));
        var partners = values["partners"]!.AsArray().Select((c, i) => (Partners[i], (string)c!)).ToDictionary(x => x.Item1, x => x.Item2);
        return (partners, (string)values["appUploads"]!, (string)values["appConfig"]!);
    }

    [Fact]
    public void EveryPartnerOfTheList_GetsOneIdentityAndOneUploadsRoleWithTheConditionNamingItsPrefix()
    {
        var identities = CompiledTemplate.OfType("Microsoft.Resources/deployments").Single(d => d.Path == "main" && d.Symbol == "partnerIdentities");
        var roles = CompiledTemplate.OfType("Microsoft.Resources/deployments").Single(d => d.Path == "main" && d.Symbol == "partnerUploadRoles");
        Assert.Equal("[length(variables('checkedPartners'))]", (string?)identities.Node["copy"]!["count"]);
        Assert.Equal("[length(variables('checkedPartners'))]", (string?)roles.Node["copy"]!["count"]);

        var problems = PartnerRoleProblems(CompiledTemplate.Root);
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // The list is validated: unique names, and names that are safe path prefixes.
        var check = (string)CompiledTemplate.Root["variables"]!["checkedPartners"]!;
        Assert.Contains("union(variables('partnerNames')", check, StringComparison.Ordinal);
        Assert.Contains("isLowerAlphanumericOrHyphen", check, StringComparison.Ordinal);
    }

    /// <summary>What is wrong with the partners' role assignments in a compiled template.</summary>
    private static List<string> PartnerRoleProblems(JsonObject root)
    {
        var problems = new List<string>();
        var roles = CompiledTemplate.ResourcesOf(root).Single(d => d.Path == "main" && d.Symbol == "partnerUploadRoles");
        var parameters = roles.Node["properties"]!["parameters"]!;
        if ((string?)parameters["containerName"]?["value"] != "[variables('names').uploadsContainer]")
        {
            problems.Add("the partner role is not scoped to the uploads container");
        }

        var assignments = parameters["roleAssignments"]!["value"]!.AsArray();
        if (assignments.Count != 1)
        {
            problems.Add($"a partner gets {assignments.Count} role assignments, not one");
        }

        foreach (var assignment in assignments.OfType<JsonObject>())
        {
            if ((string?)assignment["principalId"] != "[reference(format('partnerIdentities[{0}]', copyIndex())).outputs.principalId.value]")
            {
                problems.Add("the role is not given to the partner's own identity");
            }

            if ((string?)assignment["roleDefinitionId"] != "[variables('builtInRoles').storageBlobDataContributor]")
            {
                problems.Add("the role is not Storage Blob Data Contributor (the role the condition narrows)");
            }

            if ((string?)assignment["condition"] != "[__bicep.writeOnlyUnderPrefixCondition(variables('names').uploadsContainer, format('{0}/', variables('checkedPartners')[copyIndex()].name))]")
            {
                problems.Add("the role has no condition restricting it to writing under uploads/{partner}/");
            }
        }

        return problems;
    }

    [Fact]
    public void RemovingOrLooseningThePartnerCondition_IsReported()
    {
        var removed = CompiledTemplate.Copy();
        Assignment(removed).Remove("condition");
        Assert.Contains("the role has no condition restricting it to writing under uploads/{partner}/", PartnerRoleProblems(removed));

        var withoutSlash = CompiledTemplate.Copy();
        Assignment(withoutSlash)["condition"] = "[__bicep.writeOnlyUnderPrefixCondition(variables('names').uploadsContainer, variables('checkedPartners')[copyIndex()].name)]";
        Assert.Contains("the role has no condition restricting it to writing under uploads/{partner}/", PartnerRoleProblems(withoutSlash));

        static JsonObject Assignment(JsonObject root) =>
            CompiledTemplate.ResourcesOf(root).Single(d => d.Path == "main" && d.Symbol == "partnerUploadRoles")
                .Node["properties"]!["parameters"]!["roleAssignments"]!["value"]![0]!.AsObject();
    }

    [Fact]
    public void APartner_WritesUnderItsOwnPrefix()
    {
        foreach (var partner in Partners)
        {
            foreach (var action in WriteActions)
            {
                Assert.True(Allows(partner, action, $"{partner}/encounters/2026-01.csv"), $"{partner} cannot {action} its own file");
            }
        }
    }

    [Fact]
    public void APartner_NeitherWritesNorOverwritesAnotherPartnersFiles_NorOutsideAnyPrefix()
    {
        foreach (var partner in Partners)
        {
            var elsewhere = Partners.Where(p => p != partner).Select(p => $"{p}/encounters/2026-01.csv")
                .Append("encounters.csv").Append($"{partner}-x/encounters.csv").Append($"x/{partner}/encounters.csv");
            foreach (var path in elsewhere)
            {
                foreach (var action in WriteActions)
                {
                    Assert.False(Allows(partner, action, path), $"{partner} may {action} {path}");
                }
            }
        }
    }

    [Fact]
    public void APartner_NeverReadsDeletesOrRenames_EvenItsOwnFiles()
    {
        foreach (var partner in Partners)
        {
            foreach (var path in Partners.Select(p => $"{p}/encounters/2026-01.csv"))
            {
                foreach (var action in ContributorActions.Except(WriteActions))
                {
                    Assert.False(Allows(partner, action, path), $"{partner} may {action} {path}");
                }
            }
        }
    }

    [Fact]
    public void TheApp_ReadsUploadsAndConfig_ButNeverWritesDeletesOrRenamesThem()
    {
        var (_, uploads, config) = Evaluated.Value;
        foreach (var (container, condition) in new[] { ("uploads", uploads), ("config", config) })
        {
            Assert.True(AbacCondition.Allows(condition, new BlobRequest($"{Blobs}/read", container, "hospital-a/encounters/x.csv")));
            foreach (var action in ContributorActions.Where(a => !a.EndsWith("/read", StringComparison.Ordinal)))
            {
                Assert.False(AbacCondition.Allows(condition, new BlobRequest(action, container, "hospital-a/encounters/x.csv")), $"the app may {action} in {container}");
            }
        }

        // main.bicep puts exactly these conditions on the app's uploads and config roles.
        var containers = CompiledTemplate.ModuleParam("storage", "containers")!.AsArray().OfType<JsonObject>().ToList();
        string? AppCondition(string name) => (string?)containers.Single(c => (string?)c["name"] == name)["roleAssignments"]![0]!["condition"];
        Assert.Equal("[__bicep.readOnlyBlobsCondition(variables('names').uploadsContainer)]", AppCondition("[variables('names').uploadsContainer]"));
        Assert.Equal("[__bicep.readOnlyBlobsCondition(variables('names').configContainer)]", AppCondition("[variables('names').configContainer]"));
    }

    [Fact]
    public void TheEvaluator_DecidesByTheConditionNotByDefault()
    {
        // Guards the evaluator: a condition that allows everything and one that names another prefix give other answers.
        var write = new BlobRequest($"{Blobs}/write", "uploads", "hospital-a/x.csv");
        Assert.True(AbacCondition.Allows($"(!(ActionMatches{{'{Blobs}/write'}})) OR (@Resource[{Blobs}:path] StringStartsWith 'hospital-a/')", write));
        Assert.False(AbacCondition.Allows($"(!(ActionMatches{{'{Blobs}/write'}})) OR (@Resource[{Blobs}:path] StringStartsWith 'lab-b/')", write));
        Assert.Throws<FormatException>(() => AbacCondition.Allows($"ActionMatches{{'a'}} AND ActionMatches{{'b'}} OR ActionMatches{{'c'}}", write));
    }

    private static bool Allows(string partner, string action, string path) =>
        AbacCondition.Allows(Evaluated.Value.Partner[partner], new BlobRequest(action, "uploads", path));
}
