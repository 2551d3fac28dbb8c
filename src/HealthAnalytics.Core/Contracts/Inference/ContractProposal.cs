namespace HealthAnalytics.Contracts;

/// <summary>
/// What contract inference proposes for a CSV sample (docs/contracts.md, "From a sample to a contract"): a contract that
/// <see cref="ContractLoader.Load"/> accepts as it is, what was observed per column, and notes on what to review. Never
/// holds a value of an identifier, direct identifier or quasi-identifier column: no category, example or range of one.
/// </summary>
/// <param name="Contract">The proposed contract.</param>
/// <param name="Sample">How the sample was read.</param>
/// <param name="Columns">Per column, in file order: what was observed and why the type and privacy role were chosen.</param>
/// <param name="Notes">What a user should review or may want to change, each naming the column it is about.</param>
public sealed record ContractProposal(DatasetContract Contract, SampleProfile Sample, IReadOnlyList<ColumnProfile> Columns, IReadOnlyList<InferenceNote> Notes);

/// <param name="Bytes">Bytes of the sample.</param>
/// <param name="Rows">Data rows profiled (after the header; rows ignored below are not counted).</param>
/// <param name="Encoding">How the bytes were decoded: <c>utf-8</c>, <c>utf-16</c> or <c>windows-1252</c>.</param>
/// <param name="ByteOrderMark">Whether the sample starts with a byte-order mark.</param>
/// <param name="Delimiter">The field delimiter found in the header line.</param>
/// <param name="RowsIgnored">Rows whose field count differs from the header's (ingestion would quarantine them).</param>
/// <param name="LastLineIgnored">The sample does not end with a line break, so its last line may be cut: it was not profiled.</param>
public sealed record SampleProfile(int Bytes, int Rows, int Columns, string Encoding, bool ByteOrderMark, string Delimiter, int RowsIgnored, bool LastLineIgnored);

/// <summary>One column as observed. For identifying columns (<see cref="Privacy"/> <c>identifier</c>, <c>direct</c>,
/// <c>quasi</c>) only counts: no minimum, maximum or level.</summary>
/// <param name="Position">1-based position in the header.</param>
/// <param name="Name">The proposed column name (snake case of the header).</param>
/// <param name="Type">The proposed type.</param>
/// <param name="Privacy">The proposed privacy role.</param>
/// <param name="Why">Why that role (a name or a value shape), or null for <c>none</c>.</param>
/// <param name="Values">Non-missing cells.</param>
/// <param name="Empty">Empty cells.</param>
/// <param name="MissingTokens">Cells equal to a missing-value token, per token (the tokens are conventions such as <c>NA</c>, never data).</param>
/// <param name="Distinct">Distinct non-missing values.</param>
/// <param name="Min">Smallest value of a number or integer column that does not identify anyone; else null.</param>
/// <param name="Max">Largest value, likewise.</param>
public sealed record ColumnProfile(
    int Position, string Name, string Type, string Privacy, string? Why, int Values, int Empty, IReadOnlyDictionary<string, int> MissingTokens, int Distinct,
    double? Min, double? Max);

/// <param name="Column">The column the note is about; null for the whole sample.</param>
/// <param name="Code">A stable identifier of the kind of note (<c>zero-as-missing</c>, <c>quasi-generalized</c>, ...).</param>
/// <param name="Message">What was seen and what to consider; never a value of an identifying column.</param>
public sealed record InferenceNote(string? Column, string Code, string Message);

/// <summary>A sample contract inference cannot read (documented rule and a message without any value from the sample).</summary>
public sealed class ContractInferenceException(string rule, string message) : Exception(message)
{
    public string Rule { get; } = rule;
}
