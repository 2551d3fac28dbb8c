using System.Globalization;
using System.Net;
using System.Text;

namespace HealthAnalytics.Training;

/// <summary>
/// A task-specific section of a model card (e.g. survival curves, treatment effects): typed, serialized into
/// <c>card.json</c> under <c>sections</c> with its <see cref="Kind"/> and every public property, and rendered into
/// <c>card.html</c> by <see cref="WriteHtml"/>. Like the rest of the card it holds aggregates only: no row, identifier
/// or value of a patient, no group under 30 rows.
/// </summary>
public abstract record CardSection
{
    /// <summary>What the section is (e.g. <c>cross-validation</c>), stable for readers of <c>card.json</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The section's heading in <c>card.html</c>.</summary>
    public abstract string Title { get; }

    /// <summary>Appends the section's body (after its heading) to the card's HTML; <see cref="CardHtml"/> encodes.</summary>
    public abstract void WriteHtml(StringBuilder html);
}

/// <summary>Encoding helpers shared by the card and its sections.</summary>
public static class CardHtml
{
    /// <summary>HTML-encoded text of any value (invariant culture).</summary>
    public static string E(object? value) => WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");

    /// <summary>A metric as text: up to 4 decimals, <c>n/a</c> when undefined.</summary>
    public static string N(double value) => double.IsFinite(value) ? value.ToString("0.####", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A table of rows of already encoded cells.</summary>
    public static void Table(StringBuilder html, IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(html);
        html.Append("<table><tr>").Append(string.Concat(header.Select(h => "<th>" + E(h) + "</th>"))).Append("</tr>");
        foreach (var row in rows)
        {
            html.Append("<tr>").Append(string.Concat(row.Select(c => "<td>" + c + "</td>"))).Append("</tr>");
        }

        html.Append("</table>");
    }
}
