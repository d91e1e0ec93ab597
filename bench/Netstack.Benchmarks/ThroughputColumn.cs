using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Netstack.Benchmarks;

/// <summary>A "GB/s" column: the benchmark's <c>Size</c> parameter (bytes handled per operation) over its mean time.</summary>
public sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);

    public string ColumnName => "GB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Bytes handled per operation (the Size parameter) divided by the mean time, in 10^9 bytes per second";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        object? size = null;
        foreach (var p in benchmarkCase.Parameters.Items)
        {
            if (p.Name == "Size")
            {
                size = p.Value;
            }
        }
        double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (size is not int bytes || meanNs is not double ns || ns <= 0)
        {
            return "-";
        }
        return (bytes / ns).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
