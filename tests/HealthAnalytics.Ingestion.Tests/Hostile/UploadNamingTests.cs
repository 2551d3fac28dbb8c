namespace HealthAnalytics.Ingestion.Tests.Hostile;

/// <summary>Blob names and file names as hostile input (issue #13 items 1 and 3).</summary>
public sealed class UploadNamingTests
{
    private static readonly Pseudonymizer KeyA = new("naming-tests-key-A-0123456789abcdefghij");
    private static readonly Pseudonymizer KeyB = new("naming-tests-key-B-0123456789abcdefghij");

    public static TheoryData<string> Refused =>
    [
        "x.csv", "uploads/x.csv", "a/b/c/d.csv", "a//c.csv", "/a/b", "a/b/", " /b/c",
        "./b/c", "a/../c", "a/b/..", "a/b/.", "a/b/c.", "a/b./c", "a/.. /c",
        "a/%2e%2e/c", "a/%2E/c", "a/%252e%252e/c", "a/%25252e%25252e/c", "a/b/x%2Fy.csv", "a/b/x%5Cy.csv", "a/b/x%2F..%2F..%2Fy", "a/b/%00.csv",
        "a/\uFF0E\uFF0E/c", "a/\u2025/c", "a/\u2024\u2024/c", "a/\u3002\u3002/c", "a/b/x\u2215..\u2215y", "a/b/x\uFF0Fy",
        "a/b/x\u0000y", "a/b/x\u0001y", "a/b/x\u007Fy", "a/b/x\u202Egpj.exe", "a/b/x\u200By", "a/b/x\u2028y",
        "a\\b/c/d", "a/b\\..\\c/d",
        "jean.dupont@example.fr/encounters/x.csv", "0664489600/encounters/x.csv", "a/185057800608436/x.csv",
    ];

    [Theory]
    [MemberData(nameof(Refused))]
    public void Problem_RefusesTheName_WithoutQuotingIt(string name)
    {
        var problem = UploadNaming.Problem(name);

        Assert.NotNull(problem);
        Assert.False(UploadNaming.TryParse(name, out _));
        foreach (var part in name.Split('/', '\\').Where(p => p.Trim().Length >= 3))
        {
            Assert.DoesNotContain(part, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Problem_RefusesAnOverlongName() => Assert.NotNull(UploadNaming.Problem("a/b/" + new string('x', UploadNaming.MaxBlobNameLength)));

    [Theory]
    [InlineData("hospital-a/encounters/x.csv")]
    [InlineData("{partner}/encounters/{name}.csv")]
    [InlineData("hôpital ñ/encounters/файл #1?.csv")]
    [InlineData("h/e/50%.csv")]
    [InlineData("h/e/march%20report.csv")]
    [InlineData("h/e/x..y.csv")]
    [InlineData("h/e/.hidden")]
    [InlineData("h/e/Plantard-Zebulon-185057800608436.csv")]
    public void Problem_AcceptsPlainNames(string name)
    {
        Assert.Null(UploadNaming.Problem(name));
        Assert.True(UploadNaming.TryParse(name, out var parsed));
        Assert.Equal(name, UploadNaming.BlobName(parsed.Partner, parsed.Dataset, parsed.FileName));
    }

    [Theory]
    [InlineData("march-2024.csv")]
    [InlineData("encounters.csv.gz")]
    [InlineData("export hôpital nord.csv")]
    public void ShownFileName_KeepsAPlainName(string name) => Assert.Equal(name, UploadNaming.ShownFileName(name, KeyA.Pseudonymize));

    [Theory]
    [InlineData("Plantard-Zebulon-185057800608436.csv", ".csv")]
    [InlineData("jean.dupont@example.fr.csv.gz", ".csv.gz")]
    [InlineData("patient 06 64 48 96 00.txt", ".txt")]
    [InlineData("born 1985-05-18", "")]
    [InlineData("x\u0001y.csv", ".csv")]
    public void ShownFileName_HashesAnIdentifyingName_KeyedAndStable(string name, string extension)
    {
        var shown = UploadNaming.ShownFileName(name, KeyA.Pseudonymize);

        Assert.Matches("^hidden-[0-9a-f]{12}" + System.Text.RegularExpressions.Regex.Escape(extension) + "$", shown);
        Assert.Equal(shown, UploadNaming.ShownFileName(name, KeyA.Pseudonymize));
        Assert.NotEqual(shown, UploadNaming.ShownFileName(name, KeyB.Pseudonymize));
    }

    [Fact]
    public void ShownFileName_HashesAnOverlongName()
        => Assert.StartsWith("hidden-", UploadNaming.ShownFileName(new string('a', UploadNaming.MaxShownFileNameLength + 1) + ".csv", KeyA.Pseudonymize), StringComparison.Ordinal);

    [Fact]
    public void RefusedNameUploadId_IsAnUploadId_StablePerName()
    {
        var id = UploadNaming.RefusedNameUploadId("evil/encounters/../x.csv", KeyA.Pseudonymize);

        Assert.True(UploadNaming.IsUploadId(id));
        Assert.Equal(id, UploadNaming.RefusedNameUploadId("evil/encounters/../x.csv", KeyA.Pseudonymize));
        Assert.NotEqual(id, UploadNaming.RefusedNameUploadId("evil/encounters/../y.csv", KeyA.Pseudonymize));
    }
}
