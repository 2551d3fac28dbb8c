using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace HealthAnalytics.Contracts;

/// <summary>
/// The JSON of a <see cref="ContractProposal"/>, as <c>POST /api/config/contracts/infer</c> answers and
/// <c>./dev contract infer</c> prints it: <c>{ contract, sample, columns, notes }</c>. The contract is written the way a
/// person writes one (no nulls, no <c>false</c>, no empty lists, no member at its default), ready to edit and to
/// <c>PUT /api/config/contracts/{dataset}</c>.
/// </summary>
public static class ContractProposalJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject ToNode(ContractProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        return new JsonObject
        {
            ["contract"] = Contract(proposal.Contract),
            ["sample"] = JsonSerializer.SerializeToNode(proposal.Sample, Options),
            ["columns"] = JsonSerializer.SerializeToNode(proposal.Columns, Options),
            ["notes"] = JsonSerializer.SerializeToNode(proposal.Notes, Options),
        };
    }

    public static string Serialize(ContractProposal proposal) => ToNode(proposal).ToJsonString(Indented);

    /// <summary>A contract as JSON without the members a person would leave out (their defaults apply).</summary>
    public static JsonObject Contract(DatasetContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var node = JsonSerializer.SerializeToNode(contract, ContractLoader.JsonOptions)!.AsObject();
        Prune(node, derived: false);
        return node;
    }

    public static string ContractText(DatasetContract contract) => Contract(contract).ToJsonString(Indented);

    /// <param name="derived">Inside a derived column, whose default privacy is <c>sensitive</c>, not <c>none</c>.</param>
    private static void Prune(JsonObject node, bool derived)
    {
        foreach (var (key, value) in node.ToList())
        {
            var drop = value switch
            {
                null => true,
                JsonValue v when v.GetValueKind() == JsonValueKind.False => true,
                JsonValue v when v.GetValueKind() == JsonValueKind.String && IsDefault(key, v.GetValue<string>(), derived) => true,
                JsonArray { Count: 0 } => true,
                _ => false,
            };
            if (drop)
            {
                node.Remove(key);
                continue;
            }

            if (key == "categories")
            {
                continue; // a level's empty alias list is the level itself
            }

            if (value is JsonObject child)
            {
                Prune(child, derived);
            }
            else if (value is JsonArray array)
            {
                foreach (var item in array.OfType<JsonObject>())
                {
                    Prune(item, derived || key == "derived");
                }
            }
        }
    }

    private static bool IsDefault(string key, string value, bool derived)
        => (key, value) is ("onInvalid", "quarantine-row") or ("duplicates", "first-wins") || (!derived && (key, value) is ("privacy", "none"));
}
