using System.Text;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// Missing-value tokens and values that mean missing, cell by cell (docs/contracts.md, "Missing values"), on both paths
/// of <see cref="ColumnNormalizer"/>: the text path (prediction API) and the cleaner's UTF-8 path must agree.
/// </summary>
public sealed class MissingValueCellTests
{
    private static readonly DateOnly Today = new(2025, 6, 15);

    private static ColumnNormalizer Normalizer(ColumnSpec column, DialectSpec? dialect = null) => new(column, dialect ?? new DialectSpec(), ',', Today);

    private static Cell Utf8(ColumnNormalizer normalizer, string cell)
    {
        var bytes = Encoding.UTF8.GetBytes(cell);
        return normalizer.Normalize(bytes, new byte[ColumnNormalizer.Utf8TextRoom(bytes.Length)], null);
    }

    [Theory]
    [InlineData("NA")]
    [InlineData("?")]
    [InlineData(" . ")]
    [InlineData("NULL")]
    [InlineData("#N/A")]
    public void DefaultTokens_InANumberColumn_AreMissingNotInvalid(string cell)
    {
        var n = Normalizer(new ColumnSpec { Name = "glucose", Type = ColumnType.Number, Range = new RangeSpec { Min = 20, Max = 1000 } });
        var text = n.Normalize(cell);
        Assert.Equal(CellStatus.Missing, text.Status);
        Assert.Equal(Rules.MissingToken, text.Rule);
        var utf8 = Utf8(n, cell);
        Assert.Equal(CellStatus.Missing, utf8.Status);
        Assert.Equal(Rules.MissingToken, utf8.Rule);
    }

    [Fact]
    public void DefaultTokens_AreMatchedExactly_SoOtherSpellingsStayInvalid()
    {
        var n = Normalizer(new ColumnSpec { Name = "glucose", Type = ColumnType.Number });
        Assert.Equal(CellStatus.Invalid, n.Normalize("na").Status);
        Assert.Equal(CellStatus.Invalid, n.Normalize("NA?").Status);
        Assert.Equal(CellStatus.Invalid, Utf8(n, "nA").Status);
    }

    [Fact]
    public void DefaultTokens_InAStringColumn_AreValues()
    {
        var n = Normalizer(new ColumnSpec { Name = "element", Type = ColumnType.String });
        Assert.Equal("NA", n.Normalize("NA").Value);
        Assert.Equal(CellStatus.Value, Utf8(n, "NA").Status);
    }

    [Fact]
    public void DeclaredDatasetTokens_InAStringColumn_AreMissing()
    {
        var n = Normalizer(new ColumnSpec { Name = "celltype", Type = ColumnType.String }, new DialectSpec { MissingValues = ["NA"] });
        Assert.Equal(CellStatus.Missing, n.Normalize("NA").Status);
        Assert.Equal(CellStatus.Missing, Utf8(n, "NA").Status);
    }

    [Fact]
    public void TokenInARequiredColumn_IsARequiredViolation()
    {
        var n = Normalizer(new ColumnSpec { Name = "age", Type = ColumnType.Integer, Required = true });
        Assert.Equal(Rules.Required, n.Normalize("NA").Rule);
        Assert.Equal(Rules.Required, Utf8(n, "NA").Rule);
    }

    [Fact]
    public void CategoryColumn_ThatListsATokenAsACategory_KeepsItAsTheCategory()
    {
        var n = Normalizer(new ColumnSpec
        {
            Name = "region", Type = ColumnType.Category,
            Categories = new Dictionary<string, IReadOnlyList<string>> { ["NA"] = ["north america"], ["EU"] = [] },
        });
        Assert.Equal("NA", n.Normalize("NA").Value);
        Assert.Equal(CellStatus.Missing, n.Normalize("?").Status);
        Assert.Equal(CellStatus.Value, Utf8(n, "NA").Status);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.0")]
    [InlineData("-0")]
    [InlineData(" 0 ")]
    public void MissingWhenZero_ReadsEverySpellingOfZeroAsMissing_BeforeTheRange(string cell)
    {
        var n = Normalizer(new ColumnSpec { Name = "insulin", Type = ColumnType.Number, MissingWhen = [0], Range = new RangeSpec { Min = 1, Max = 900 } });
        Assert.Equal(Rules.MissingWhen, n.Normalize(cell).Rule);
        Assert.Equal(CellStatus.Missing, n.Normalize(cell).Status);
        var utf8 = Utf8(n, cell);
        Assert.Equal(CellStatus.Missing, utf8.Status);
        Assert.Equal(Rules.MissingWhen, utf8.Rule);
        Assert.Equal(CellStatus.Value, n.Normalize("14").Status);
        Assert.Equal(Rules.Range, n.Normalize("0.5").Rule);
    }

    [Fact]
    public void MissingWhen_IsComparedAsWritten_BeforeUnitConversion()
    {
        var n = Normalizer(new ColumnSpec
        {
            Name = "glucose", Type = ColumnType.Number, Unit = "mg/dL", MissingWhen = [0],
            Units = new Dictionary<string, UnitConversion> { ["mmol/L"] = new() { Factor = 18.0182 } },
        });
        Assert.Equal(Rules.MissingWhen, n.Normalize("0 mmol/L").Rule);
        Assert.Equal(CellStatus.Missing, n.Normalize("0", "mmol/L").Status);
        Assert.Equal(CellStatus.Value, n.Normalize("5.5 mmol/L").Status);
    }

    [Fact]
    public void MissingWhen_InARequiredColumn_IsARequiredViolation()
    {
        var n = Normalizer(new ColumnSpec { Name = "visits", Type = ColumnType.Integer, Required = true, MissingWhen = [-9] });
        Assert.Equal(Rules.Required, n.Normalize("-9").Rule);
        Assert.Equal(Rules.Required, Utf8(n, "-9").Rule);
    }

    /// <summary>Columns of every type with tokens (default, declared, per column, non-ASCII) and values that mean missing.</summary>
    public static TheoryData<string> ConventionColumns() => [.. ConventionContract().Columns.Select(c => c.Name)];

    private static DatasetContract ConventionContract() => new()
    {
        Name = "conventions",
        Version = "1",
        Dialect = new DialectSpec { DateFormats = ["yyyy-MM-dd", "dd/MM/yyyy"], MissingValues = ["NA", "?", ".", "-9", "manquant", "non renseigné", "1"] },
        Columns =
        [
            new ColumnSpec { Name = "count", Type = ColumnType.Integer, MissingWhen = [0, 99], Range = new RangeSpec { Min = 1, Max = 50 } },
            new ColumnSpec { Name = "lab", Type = ColumnType.Number, MissingWhen = [0], Unit = "mg/dL", Units = new Dictionary<string, UnitConversion> { ["mmol/L"] = new() { Factor = 18.0182 } } },
            new ColumnSpec { Name = "lab_default", Type = ColumnType.Number, MissingValues = null },
            new ColumnSpec { Name = "flag", Type = ColumnType.Boolean },
            new ColumnSpec { Name = "day", Type = ColumnType.Date },
            new ColumnSpec { Name = "sex", Type = ColumnType.Category, Required = true, Categories = new Dictionary<string, IReadOnlyList<string>> { ["F"] = ["2"], ["M"] = ["1"] } },
            new ColumnSpec { Name = "note", Type = ColumnType.String, MissingValues = ["NA", "é", "—"], UpperCase = true },
            new ColumnSpec { Name = "code", Type = ColumnType.String, Pattern = "^[A-Z][0-9]{2}$", MissingValues = [] },
        ],
    };

    [Theory]
    [MemberData(nameof(ConventionColumns))]
    public void Utf8Path_AgreesWithTextPath_WithTokensAndMissingWhen(string column)
    {
        var contract = ConventionContract();
        var spec = contract.Columns.Single(c => c.Name == column);
        var normalizer = new ColumnNormalizer(spec, contract.Dialect, ',', Today);
        string[] seeds =
        [
            "NA", " NA ", "NA\u00A0", "na", "?", "??", ".", "-9", "-9.0", "0", "0.0", "-0", "00", "99", "1", "2", "manquant", "non renseigné",
            "non renseigne", "é", "—", "N/A", "NULL", "true", "2024-02-29", "29/02/2024", "E11", "e11", "F", "f", "5.5 mmol/L", "0 mmol/L",
        ];
        var random = new Random(20261204);
        var tokens = contract.Dialect.MissingValues!.Concat(spec.MissingValues ?? []).ToArray();
        var inputs = seeds
            .Concat(Enumerable.Range(0, 3000).Select(_ => Utf8NormalizeTests.RandomCell(random)))
            .Concat(Enumerable.Range(0, 500).Select(_ => (random.Next(3) == 0 ? " " : "") + tokens[random.Next(tokens.Length)] + (random.Next(3) == 0 ? "\t" : "")));
        foreach (var input in inputs)
        {
            Utf8NormalizeTests.AssertSamePaths(normalizer, spec, input, null);
        }
    }
}
