using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace HealthAnalytics.Reporting;

/// <summary>One line of a <see cref="SvgChart.Lines"/> chart.</summary>
/// <param name="Name">Legend text (HTML- and XML-escaped like every text of a chart).</param>
/// <param name="Points">(x, y) in drawing order; a NaN point breaks the line (used for interval segments).</param>
public sealed record ChartLine(string Name, IReadOnlyList<(double X, double Y)> Points, ChartLineKind Kind = ChartLineKind.Line);

public enum ChartLineKind
{
    /// <summary>Points joined by straight segments.</summary>
    Line,

    /// <summary>A step function (Kaplan–Meier): horizontal then vertical.</summary>
    Step,

    /// <summary>Markers only.</summary>
    Points,

    /// <summary>Straight segments with markers at the points.</summary>
    LineWithPoints,

    /// <summary>Thin grey segments (intervals, reference lines): pairs of points separated by a NaN point.</summary>
    Segments,
}

/// <summary>One series of a <see cref="SvgChart.Bars"/> chart: a value per category (NaN = no bar).</summary>
public sealed record ChartBars(string Name, IReadOnlyList<double> Values);

/// <summary>One row of a <see cref="SvgChart.Forest"/> plot: an estimate and its interval.</summary>
public sealed record ForestRow(string Label, double Estimate, double Low, double High);

/// <summary>A range an axis is pinned to (e.g. [0, 1] for rates).</summary>
public sealed record AxisRange(double Minimum, double Maximum);

/// <summary>
/// The one chart helper of the app (docs/console.md, "Charts"): bar charts, histograms, line charts, heat maps and
/// forest plots, drawn with OxyPlot's plot model and its managed SVG exporter, returned as an inline
/// <c>&lt;figure&gt;</c> (SVG + caption) for the quality report and the model card. The output is static: no script, no
/// external reference, no <c>style</c> attribute (OxyPlot's inline styles are rewritten as SVG presentation attributes,
/// so a page with a strict Content-Security-Policy shows it), ids prefixed per chart so several charts share a page,
/// and every text escaped (OxyPlot writes through an XML writer; the caption is HTML-encoded here).
/// Axis titles are required: a chart without labelled axes is not drawn.
/// </summary>
public static class SvgChart
{
    // Okabe–Ito: distinguishable with the common colour-vision deficiencies and in greyscale print.
    private static readonly OxyColor[] Palette =
    [
        OxyColor.FromRgb(0, 114, 178), OxyColor.FromRgb(230, 159, 0), OxyColor.FromRgb(0, 158, 115), OxyColor.FromRgb(213, 94, 0),
        OxyColor.FromRgb(204, 121, 167), OxyColor.FromRgb(86, 180, 233), OxyColor.FromRgb(240, 228, 66), OxyColor.FromRgb(0, 0, 0),
    ];

    private const string Font = "Arial";

    /// <summary>Horizontal bars: one row per category, one bar per series (grouped).</summary>
    /// <param name="key">Unique on the page (a-z, 0-9, '-'); prefixes the SVG's ids.</param>
    public static string Bars(string key, string title, string categoryAxis, string valueAxis, IReadOnlyList<string> categories, IReadOnlyList<ChartBars> series,
        AxisRange? values = null, string? caption = null, string format = "0.###")
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(series);
        var model = NewModel(title);
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, Title = categoryAxis, ItemsSource = categories.ToArray(), StartPosition = 1, EndPosition = 0, GapWidth = 0.3, AxisTitleDistance = 10 });
        var axis = ValueAxis(AxisPosition.Bottom, valueAxis, values);
        axis.MaximumPadding = 0.15; // room for the value printed after the longest bar
        axis.MinimumPadding = 0;
        var lowest = series.SelectMany(s => s.Values).Where(double.IsFinite).DefaultIfEmpty(0).Min();
        axis.Minimum = values?.Minimum ?? (lowest < 0 ? double.NaN : 0); // bars start at 0 unless some go below it
        model.Axes.Add(axis);
        var i = 0;
        foreach (var s in series)
        {
            var bars = new BarSeries { Title = series.Count > 1 ? s.Name : null, FillColor = Palette[i++ % Palette.Length], LabelFormatString = "{0:" + format + "}", LabelPlacement = LabelPlacement.Outside, FontSize = 10 };
            foreach (var v in s.Values)
            {
                bars.Items.Add(new BarItem(double.IsFinite(v) ? v : 0));
            }

            bars.BaseValue = 0;

            model.Series.Add(bars);
        }

        var height = 70 + (categories.Count * Math.Max(18, 12 * series.Count));
        return Render(key, "bars", model, 560, Math.Min(height, 1200), categoryAxis, valueAxis, caption);
    }

    /// <summary>A histogram of equal-width bins starting at <paramref name="low"/>.</summary>
    /// <param name="dates">When true, bin edges are day numbers (<see cref="DateOnly.DayNumber"/>) and the axis shows dates.</param>
    public static string Histogram(string key, string title, string valueAxis, string countAxis, double low, double width, IReadOnlyList<long> counts, bool dates = false, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var model = NewModel(title);
        Func<double, double> x = dates ? d => DateTimeAxis.ToDouble(DateOnly.FromDayNumber((int)Math.Round(d)).ToDateTime(TimeOnly.MinValue)) : d => d;
        model.Axes.Add(dates
            ? new DateTimeAxis { Position = AxisPosition.Bottom, Title = valueAxis, StringFormat = "yyyy-MM-dd", FontSize = 10 }
            : new LinearAxis { Position = AxisPosition.Bottom, Title = valueAxis, FontSize = 10 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = countAxis, Minimum = 0, MinimumPadding = 0, MaximumPadding = 0.05, FontSize = 10 });
        var series = new HistogramSeries { FillColor = Palette[0], StrokeColor = OxyColors.White, StrokeThickness = 0.5 };
        for (var i = 0; i < counts.Count; i++)
        {
            var start = x(low + (i * width));
            var end = x(low + ((i + 1) * width));
            series.Items.Add(new HistogramItem(start, end, counts[i] * (end - start), (int)Math.Min(counts[i], int.MaxValue)));
        }

        model.Series.Add(series);
        return Render(key, "histogram", model, 420, 240, valueAxis, countAxis, caption);
    }

    /// <summary>A line chart with a legend when there are several lines.</summary>
    /// <param name="diagonal">Draws the y = x reference (ROC, calibration).</param>
    public static string Lines(string key, string title, string xAxis, string yAxis, IReadOnlyList<ChartLine> lines,
        AxisRange? x = null, AxisRange? y = null, bool diagonal = false, string? caption = null, int width = 420, int height = 320)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var model = NewModel(title);
        model.Axes.Add(ValueAxis(AxisPosition.Bottom, xAxis, x));
        model.Axes.Add(ValueAxis(AxisPosition.Left, yAxis, y));
        if (diagonal)
        {
            model.Annotations.Add(new FunctionAnnotation { Equation = v => v, Color = OxyColors.Gray, LineStyle = LineStyle.Dash, StrokeThickness = 1 });
        }

        var colour = 0;
        foreach (var line in lines)
        {
            var named = lines.Count(l => l.Kind != ChartLineKind.Segments) > 1 ? line.Name : null;
            if (line.Kind == ChartLineKind.Points)
            {
                var scatter = new ScatterSeries { Title = named, MarkerType = MarkerType.Circle, MarkerSize = 3.5, MarkerFill = Palette[colour++ % Palette.Length] };
                scatter.Points.AddRange(line.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).Select(p => new ScatterPoint(p.X, p.Y)));
                model.Series.Add(scatter);
                continue;
            }

            LineSeries series = line.Kind == ChartLineKind.Step ? new StairStepSeries { VerticalStrokeThickness = 2 } : new LineSeries();
            series.Title = line.Kind == ChartLineKind.Segments ? null : named;
            series.StrokeThickness = line.Kind == ChartLineKind.Segments ? 1 : 2;
            series.Color = line.Kind == ChartLineKind.Segments ? OxyColors.Gray : Palette[colour++ % Palette.Length];
            if (line.Kind == ChartLineKind.LineWithPoints)
            {
                series.MarkerType = MarkerType.Circle;
                series.MarkerSize = 3;
            }

            series.Points.AddRange(line.Points.Select(p => double.IsFinite(p.X) && double.IsFinite(p.Y) ? new DataPoint(p.X, p.Y) : DataPoint.Undefined));
            model.Series.Add(series);
        }

        return Render(key, "lines", model, width, height, xAxis, yAxis, caption);
    }

    /// <summary>A heat map: one cell per (row, column), coloured on a diverging scale symmetric around 0, value printed in the cell.</summary>
    /// <param name="values">[row, column]; NaN cells are left blank.</param>
    public static string HeatMap(string key, string title, string columnAxis, string rowAxis, IReadOnlyList<string> columns, IReadOnlyList<string> rows, double[,] values, string colourAxis, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(values);
        var model = NewModel(title);
        var limit = 0.5;
        var data = new double[columns.Count, rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            for (var c = 0; c < columns.Count; c++)
            {
                data[c, r] = values[r, c];
                limit = double.IsFinite(values[r, c]) ? Math.Max(limit, Math.Abs(values[r, c])) : limit;
            }
        }

        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Bottom, Title = columnAxis, ItemsSource = columns.ToArray(), Angle = columns.Count > 6 ? -35 : 0, FontSize = 10 });
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, Title = rowAxis, ItemsSource = rows.ToArray(), StartPosition = 1, EndPosition = 0, FontSize = 10 });
        model.Axes.Add(new LinearColorAxis { Position = AxisPosition.Right, Title = colourAxis, Palette = OxyPalettes.BlueWhiteRed(31), Minimum = -limit, Maximum = limit, FontSize = 10 });
        model.Series.Add(new HeatMapSeries
        {
            X0 = 0, X1 = columns.Count - 1, Y0 = 0, Y1 = rows.Count - 1,
            Data = data, RenderMethod = HeatMapRenderMethod.Rectangles, LabelFormatString = "0.0", LabelFontSize = 0.3,
        });
        var width = Math.Min(900, 160 + (columns.Count * 56));
        var height = Math.Min(900, 140 + (rows.Count * 30));
        return Render(key, "heatmap", model, width, height, columnAxis, rowAxis, caption);
    }

    /// <summary>A forest plot: one row per estimate with its interval, and a vertical reference line.</summary>
    public static string Forest(string key, string title, string valueAxis, string rowAxis, IReadOnlyList<ForestRow> rows, double reference = 0, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var model = NewModel(title);
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, Title = rowAxis, ItemsSource = rows.Select(r => r.Label).ToArray(), StartPosition = 1, EndPosition = 0, FontSize = 10 });
        model.Axes.Add(ValueAxis(AxisPosition.Bottom, valueAxis, null));
        model.Annotations.Add(new LineAnnotation { Type = LineAnnotationType.Vertical, X = reference, Color = OxyColors.Gray, LineStyle = LineStyle.Dash });
        var intervals = new LineSeries { Color = OxyColors.Black, StrokeThickness = 1.5 };
        var points = new ScatterSeries { MarkerType = MarkerType.Square, MarkerSize = 4, MarkerFill = Palette[0] };
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            if (double.IsFinite(r.Low) && double.IsFinite(r.High))
            {
                intervals.Points.Add(new DataPoint(r.Low, i));
                intervals.Points.Add(new DataPoint(r.High, i));
                intervals.Points.Add(DataPoint.Undefined);
            }

            if (double.IsFinite(r.Estimate))
            {
                points.Points.Add(new ScatterPoint(r.Estimate, i));
            }
        }

        model.Series.Add(intervals);
        model.Series.Add(points);
        return Render(key, "forest", model, 520, Math.Min(1200, 90 + (rows.Count * 26)), valueAxis, rowAxis, caption);
    }

    private static PlotModel NewModel(string title) => new()
    {
        Title = title,
        TitleFontSize = 13,
        TitleFontWeight = 700,
        DefaultFont = Font,
        DefaultFontSize = 11,
        DefaultColors = Palette,
        PlotAreaBorderColor = OxyColor.FromRgb(160, 160, 160),
        Background = OxyColors.White,
        IsLegendVisible = true,
        Legends = { new OxyPlot.Legends.Legend { LegendPosition = OxyPlot.Legends.LegendPosition.BottomRight, LegendFontSize = 10, LegendBackground = OxyColor.FromAColor(220, OxyColors.White) } },
    };

    private static LinearAxis ValueAxis(AxisPosition position, string title, AxisRange? range)
    {
        var axis = new LinearAxis { Position = position, Title = title, FontSize = 10, MajorGridlineStyle = LineStyle.Dot, MajorGridlineColor = OxyColor.FromRgb(220, 220, 220) };
        if (range is not null)
        {
            axis.Minimum = range.Minimum;
            axis.Maximum = range.Maximum;
        }

        return axis;
    }

    /// <summary>Exports <paramref name="model"/> and wraps it in a figure; see the class summary for what is rewritten.</summary>
    private static string Render(string key, string kind, PlotModel model, int width, int height, string xAxis, string yAxis, string? caption)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(xAxis);
        ArgumentException.ThrowIfNullOrWhiteSpace(yAxis);
        if (!key.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException("A chart key is a-z, 0-9 and '-'.", nameof(key));
        }

        var exported = SvgExporter.ExportToString(model, width, height, false);
        var svg = XElement.Parse(exported);
        XNamespace ns = "http://www.w3.org/2000/svg";
        foreach (var element in svg.DescendantsAndSelf())
        {
            if (element.Attribute("style") is { } style)
            {
                style.Remove();
                foreach (var declaration in style.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var colon = declaration.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        element.SetAttributeValue(declaration[..colon].Trim(), declaration[(colon + 1)..].Trim());
                    }
                }
            }

            if (element.Attribute("id") is { } id)
            {
                id.Value = key + "-" + id.Value;
            }

            if (element.Attribute("clip-path") is { } clip)
            {
                clip.Value = clip.Value.Replace("url(#", "url(#" + key + "-", StringComparison.Ordinal);
            }
        }

        svg.SetAttributeValue("viewBox", string.Create(CultureInfo.InvariantCulture, $"0 0 {width} {height}"));
        svg.SetAttributeValue("role", "img");
        svg.SetAttributeValue("aria-labelledby", key + "-title");
        svg.AddFirst(new XElement(ns + "title", new XAttribute("id", key + "-title"), model.Title));
        svg.Attribute(XNamespace.Xmlns + "xlink")?.Remove();

        var html = new StringBuilder(exported.Length + 256);
        html.Append("<figure class=\"chart\" data-chart=\"").Append(kind).Append("\" id=\"chart-").Append(key)
            .Append("\" data-x-axis=\"").Append(WebUtility.HtmlEncode(xAxis)).Append("\" data-y-axis=\"").Append(WebUtility.HtmlEncode(yAxis)).Append("\">")
            .Append(svg.ToString(SaveOptions.DisableFormatting));
        if (!string.IsNullOrEmpty(caption))
        {
            html.Append("<figcaption>").Append(WebUtility.HtmlEncode(caption)).Append("</figcaption>");
        }

        return html.Append("</figure>").ToString();
    }
}
