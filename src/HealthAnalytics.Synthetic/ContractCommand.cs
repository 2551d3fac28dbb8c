using System.IO.Compression;
using System.Text;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Synthetic;

/// <summary>
/// <c>contract infer FILE [--name NAME] [--contract OUT]</c> (<c>./dev contract infer</c>): proposes a dataset contract
/// from the first <see cref="ContractInference.MaxSampleBytes"/> bytes of FILE (a <c>.gz</c> file is decompressed first)
/// and prints the proposal as <c>POST /api/config/contracts/infer</c> answers it; with <c>--contract</c>, also writes the
/// contract alone to OUT, ready to edit and store (docs/contracts.md, "From a sample to a contract").
/// </summary>
public static class ContractCommand
{
    public const string Usage = "usage: contract infer FILE [--name NAME] [--contract OUT]\n  prints the proposed contract, what was observed per column and notes (JSON);\n  NAME defaults to the file name; --contract also writes the contract alone to OUT.";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args is not ["infer", var file, .. var rest])
        {
            stderr.WriteLine(Usage);
            return 2;
        }

        string? name = null, contractOut = null;
        for (var i = 0; i < rest.Length; i++)
        {
            switch (rest[i])
            {
                case "--name" when i + 1 < rest.Length:
                    name = rest[++i];
                    break;
                case "--contract" when i + 1 < rest.Length:
                    contractOut = rest[++i];
                    break;
                default:
                    stderr.WriteLine(Usage);
                    return 2;
            }
        }

        name ??= DatasetName(file);
        if (!ConfigNames.IsValid(name))
        {
            stderr.WriteLine($"contract infer: --name must be {ConfigNames.Rule}");
            return 2;
        }

        if (!File.Exists(file))
        {
            stderr.WriteLine("contract infer: no such file");
            return 2;
        }

        ContractProposal proposal;
        try
        {
            proposal = ContractInference.Infer(ReadSample(file), name);
        }
        catch (ContractInferenceException ex)
        {
            stderr.WriteLine($"contract infer: {ex.Rule}: {ex.Message}");
            return 1;
        }

        stdout.WriteLine(ContractProposalJson.Serialize(proposal));
        if (contractOut is not null)
        {
            File.WriteAllText(contractOut, ContractProposalJson.ContractText(proposal.Contract) + "\n", new UTF8Encoding(false));
        }

        return 0;
    }

    /// <summary>The first bytes of the file, decompressed when it is gzip.</summary>
    private static byte[] ReadSample(string file)
    {
        using var raw = File.OpenRead(file);
        var magic = new byte[2];
        var isGzip = raw.Read(magic) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        raw.Position = 0;
        using Stream input = isGzip ? new GZipStream(raw, CompressionMode.Decompress) : raw;
        var buffer = new byte[ContractInference.MaxSampleBytes];
        var total = 0;
        int n;
        while (total < buffer.Length && (n = input.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += n;
        }

        return buffer[..total];
    }

    /// <summary>The file's name without extensions, made to follow the naming rule (<c>Pima Indians.csv.gz</c> → <c>pima-indians</c>).</summary>
    internal static string DatasetName(string file)
    {
        var stem = Path.GetFileName(file);
        while (Path.GetExtension(stem) is { Length: > 0 } ext && ext.ToLowerInvariant() is ".csv" or ".gz" or ".txt" or ".tsv")
        {
            stem = stem[..^ext.Length];
        }

        var chars = stem.ToLowerInvariant().Select(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-' ? c : '-').ToArray();
        var name = new string(chars).Trim('-', '_');
        name = name.Length > 63 ? name[..63] : name;
        return ConfigNames.IsValid(name) ? name : "dataset";
    }
}
