using System.Diagnostics;

namespace HealthAnalytics.Infra.Tests;

/// <summary>
/// infra/scripts/ensure-pseudonymization-key.sh decides from the vault, never from a local flag, and never writes a
/// key under a key id that has one. Run with a stand-in `az` on PATH that keeps the vault's state in files: an
/// existing secret (one line per version), a soft-deleted one, or a vault the caller may not read.
/// </summary>
public sealed class KeyHookTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), $"ha-keyhook-{Guid.NewGuid():N}");
    private string State => Path.Combine(root, "vault");
    private string Secret => Path.Combine(State, "secret");
    private string Calls => Path.Combine(State, "calls.log");

    // The stand-in answers the az commands the hook uses, as Key Vault does (SecretNotFound on a missing secret).
    private const string FakeAz = """
        #!/bin/sh
        echo "$*" >> "$FAKE_VAULT/calls.log"
        [ -f "$FAKE_VAULT/forbidden" ] && { echo "(Forbidden) Caller is not authorized to perform action on resource." >&2; exit 1; }
        name=""; prev=""
        for a in "$@"; do [ "$prev" = "--name" ] && name="$a"; prev="$a"; done
        case "$1 $2 $3" in
          "keyvault secret show")
            if [ "$name" = "pseudonymization-key" ]; then [ -f "$FAKE_VAULT/legacy" ] && exit 0; echo "(SecretNotFound) x" >&2; exit 1; fi
            [ -f "$FAKE_VAULT/secret" ] && exit 0
            echo "(SecretNotFound) A secret with (name/id) x was not found in this key vault." >&2; exit 1 ;;
          "keyvault secret list-versions")
            wc -l < "$FAKE_VAULT/secret" | tr -d ' '; exit 0 ;;
          "keyvault secret show-deleted")
            [ -f "$FAKE_VAULT/deleted" ] && exit 0; exit 1 ;;
          "keyvault secret recover")
            mv "$FAKE_VAULT/deleted" "$FAKE_VAULT/secret"; exit 0 ;;
          "keyvault secret set")
            file=""; prev=""
            for a in "$@"; do [ "$prev" = "--file" ] && file="$a"; prev="$a"; done
            cat "$file" > "$FAKE_VAULT/value"
            echo "version" >> "$FAKE_VAULT/secret"
            [ -f "$FAKE_VAULT/race" ] && echo "version" >> "$FAKE_VAULT/secret"
            exit 0 ;;
        esac
        echo "unexpected az call: $*" >&2; exit 2
        """;

    public KeyHookTests()
    {
        Directory.CreateDirectory(State);
        var bin = Path.Combine(root, "bin");
        Directory.CreateDirectory(bin);
        var az = Path.Combine(bin, "az");
        File.WriteAllText(az, FakeAz.Replace("\r\n", "\n", StringComparison.Ordinal));
        // The hooks are POSIX sh (azure.yaml): these tests run where they do.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(az, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private (int ExitCode, string Output, string Errors) Run(string keyId = "v1", string? keyFile = null)
    {
        var script = Path.Combine(CompiledTemplate.RepoRoot, "infra", "scripts", "ensure-pseudonymization-key.sh");
        var start = new ProcessStartInfo("sh", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PATH"] = $"{Path.Combine(root, "bin")}:{Environment.GetEnvironmentVariable("PATH")}";
        start.Environment["FAKE_VAULT"] = State;
        start.Environment["AZURE_KEY_VAULT_NAME"] = "kv-ha-test";
        start.Environment["HA_PSEUDONYMIZATION_KEY_ID"] = keyId;
        start.Environment.Remove("HA_PSEUDONYMIZATION_KEY_FILE");
        if (keyFile is not null)
        {
            start.Environment["HA_PSEUDONYMIZATION_KEY_FILE"] = keyFile;
        }
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "the hook did not finish within 60 s");
        return (process.ExitCode, output, errors.Result);
    }

    private string[] AzCalls() => File.Exists(Calls) ? File.ReadAllLines(Calls) : [];

    private int SetCalls() => AzCalls().Count(c => c.StartsWith("keyvault secret set", StringComparison.Ordinal));

    [Fact]
    public void NoSecretForTheKeyId_WritesOneRandomKeyOnce_NeverOnACommandLine()
    {
        var (exit, output, errors) = Run();

        Assert.True(exit == 0, errors);
        Assert.Contains("pseudonymization key written", output, StringComparison.Ordinal);
        Assert.Equal(1, SetCalls());
        Assert.Contains(AzCalls(), c => c.StartsWith("keyvault secret set --vault-name kv-ha-test --name pseudonymization-key-v1 ", StringComparison.Ordinal));
        var key = File.ReadAllText(Path.Combine(State, "value"));
        Assert.True(key.Length >= 64, $"key of {key.Length} characters");
        Assert.DoesNotContain(AzCalls(), c => c.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(key, output, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecondRun_KeepsTheKey()
    {
        Assert.Equal(0, Run().ExitCode);
        var first = File.ReadAllText(Path.Combine(State, "value"));

        var (exit, output, errors) = Run();

        Assert.True(exit == 0, errors);
        Assert.DoesNotContain("pseudonymization key written", output, StringComparison.Ordinal);
        Assert.Equal(1, SetCalls());
        Assert.Equal(first, File.ReadAllText(Path.Combine(State, "value")));
        Assert.Single(File.ReadAllLines(Secret));
    }

    [Fact]
    public void AnExistingSecret_IsKept_WithoutAnyWrite()
    {
        File.WriteAllText(Secret, "version\n");

        var (exit, output, errors) = Run();

        Assert.True(exit == 0, errors);
        Assert.Contains("kept", output, StringComparison.Ordinal);
        Assert.Equal(0, SetCalls());
    }

    [Fact]
    public void ASecretWithTwoVersions_FailsTheHook_WithoutAnyWrite()
    {
        File.WriteAllText(Secret, "version\nversion\n");

        var (exit, _, errors) = Run();

        Assert.NotEqual(0, exit);
        Assert.Contains("2 versions", errors, StringComparison.Ordinal);
        Assert.Equal(0, SetCalls());
    }

    [Fact]
    public void AVaultItCannotRead_FailsTheHook_WithoutAnyWrite()
    {
        File.WriteAllText(Path.Combine(State, "forbidden"), "");

        var (exit, _, errors) = Run();

        Assert.NotEqual(0, exit);
        Assert.Contains("nothing is written", errors, StringComparison.Ordinal);
        Assert.Equal(0, SetCalls());
    }

    [Fact]
    public void ASoftDeletedSecret_IsRecovered_NotReplaced()
    {
        File.WriteAllText(Path.Combine(State, "deleted"), "version\n");

        var (exit, output, errors) = Run();

        Assert.True(exit == 0, errors);
        Assert.Contains(AzCalls(), c => c.StartsWith("keyvault secret recover", StringComparison.Ordinal));
        Assert.Contains("recovered", output, StringComparison.Ordinal);
        Assert.Equal(0, SetCalls());
    }

    [Fact]
    public void AnotherWriterRacingTheHook_FailsIt()
    {
        File.WriteAllText(Path.Combine(State, "race"), "");

        var (exit, _, errors) = Run();

        Assert.NotEqual(0, exit);
        Assert.Contains("second key was written", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void TheKeyOfAnEarlierDeployment_IsNeverReplaced_OnlyCarriedOverFromAFile()
    {
        File.WriteAllText(Path.Combine(State, "legacy"), "");

        var (exit, _, errors) = Run();

        Assert.NotEqual(0, exit);
        Assert.Contains("break linkage", errors, StringComparison.Ordinal);
        Assert.Equal(0, SetCalls());

        // Carried over: the same key under the named secret.
        var legacyKey = "an-earlier-deployments-key-of-more-than-32-characters";
        var file = Path.Combine(root, "key.txt");
        File.WriteAllText(file, legacyKey + "\n");

        var carried = Run(keyFile: file);

        Assert.True(carried.ExitCode == 0, carried.Errors);
        Assert.Equal(1, SetCalls());
        Assert.Equal(legacyKey, File.ReadAllText(Path.Combine(State, "value")));
    }

    [Theory]
    [InlineData("v1;rm")]
    [InlineData("v 2")]
    [InlineData("")]
    [InlineData("a123456789012345678901234567890123")]
    public void AKeyIdThatCannotNameASecret_FailsBeforeAnyVaultCall(string keyId)
    {
        var (exit, _, _) = Run(keyId);

        Assert.NotEqual(0, exit);
        Assert.Empty(AzCalls());
    }
}
