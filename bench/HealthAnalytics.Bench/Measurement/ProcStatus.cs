using System.Globalization;

namespace HealthAnalytics.Bench.Measurement;

/// <summary>
/// Reads memory figures from <c>/proc/{pid}/status</c> (Linux). <c>VmHWM</c> is the kernel's
/// high-water mark of resident memory, so it is monotonic: a poll that comes late never reports
/// less than the true peak so far, it only misses growth after the last poll.
/// </summary>
public static class ProcStatus
{
    /// <summary>Peak resident set size in bytes, or null when the process is gone or /proc is absent.</summary>
    public static long? PeakRssBytes(int pid) => ReadKb(pid.ToString(CultureInfo.InvariantCulture), "VmHWM:");

    /// <summary>Peak resident set size of the current process in bytes.</summary>
    public static long? SelfPeakRssBytes() => ReadKb("self", "VmHWM:");

    private static long? ReadKb(string pid, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith(key, StringComparison.Ordinal))
                {
                    continue;
                }

                // Format: "VmHWM:\t  123456 kB"
                var value = line.AsSpan(key.Length).Trim();
                var space = value.IndexOf(' ');
                var digits = space < 0 ? value : value[..space];
                return long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
            // The process exited between polls; the caller keeps the last value it saw.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
