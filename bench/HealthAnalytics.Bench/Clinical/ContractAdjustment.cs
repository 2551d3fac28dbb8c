using System.Text.Json.Nodes;

namespace HealthAnalytics.Bench.Clinical;

/// <summary>
/// Applies a user's adjustments to a proposed contract (docs/clinical-suite.md, "Adjustments"): a JSON merge patch
/// (RFC 7396: an object member replaces or, recursively, patches the member of that name; <c>null</c> removes it; any
/// other value, arrays included, replaces it), except that <c>columns</c> is an object keyed by column name, each value
/// merge-patching the proposed column of that name (<c>null</c> removes the column). The proposal's columns are an
/// array, which a plain merge patch could only replace whole.
/// </summary>
public static class ContractAdjustment
{
    public static JsonObject Apply(JsonObject contract, JsonObject patch)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(patch);
        var result = contract.DeepClone().AsObject();
        foreach (var (name, value) in patch)
        {
            if (name == "columns" && value is JsonObject byName)
            {
                var columns = result["columns"]?.AsArray() ?? throw new InvalidDataException("the contract has no columns to adjust");
                foreach (var (column, columnPatch) in byName)
                {
                    var index = columns.Select((c, i) => (c, i)).Where(x => x.c?["name"]?.GetValue<string>() == column).Select(x => x.i).DefaultIfEmpty(-1).Single();
                    if (index < 0)
                    {
                        throw new InvalidDataException($"the adjustment names column '{column}', which the proposal does not have");
                    }

                    if (columnPatch is null)
                    {
                        columns.RemoveAt(index);
                    }
                    else
                    {
                        columns[index] = MergePatch(columns[index], columnPatch);
                    }
                }

                continue;
            }

            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                result[name] = MergePatch(result[name], value);
            }
        }

        return result;
    }

    /// <summary>RFC 7396 MergePatch(target, patch).</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        var t = target as JsonObject ?? [];
        t = t.DeepClone().AsObject();
        foreach (var (name, value) in p)
        {
            if (value is null)
            {
                t.Remove(name);
            }
            else
            {
                t[name] = MergePatch(t[name], value);
            }
        }

        return t;
    }
}
