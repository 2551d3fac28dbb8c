using System.Globalization;
using System.Text;

namespace HealthAnalytics.Integration.Tests;

/// <summary>Small seeded CSV uploads (header + rows) whose bytes differ per seed.</summary>
public static class Csv
{
    public static byte[] Encounters(int rows, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("encounter_id,patient_id,sex,admission_date,readmitted_30d\n");
        for (var i = 0; i < rows; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"E{random.Next(1_000_000)},P{random.Next(1_000_000)},{(random.Next(2) == 0 ? "F" : "M")},2024-0{1 + random.Next(9)}-1{random.Next(10)},{random.Next(2)}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
