using HealthAnalytics.Curated;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests.Reliability;

/// <summary>Where a crash is injected in one ingestion run (issue #6 item 1).</summary>
public enum Checkpoint
{
    /// <summary>The whole upload was downloaded (and hashed); before the ledger claim.</summary>
    AfterDownload,

    /// <summary>The cleaner has read part of the file.</summary>
    MidParse,

    /// <summary>The curated Parquet was committed; before the report.</summary>
    AfterCuratedWrite,

    /// <summary>The report was written; before the ledger's final update.</summary>
    AfterReport,

    /// <summary>The ledger says final; before the run returns.</summary>
    AfterLedgerUpdate,
}

/// <summary>How the host "dies" at the checkpoint.</summary>
public enum CrashMode
{
    /// <summary>An exception the service sees: it records the failed attempt, releases its claim and rethrows.</summary>
    Exception,

    /// <summary>The host is gone: the run is cancelled and writes nothing more, its claim stays until it expires.</summary>
    HostDeath,
}

public sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException()
        : base("simulated crash")
    {
    }

    public SimulatedCrashException(string message)
        : base(message)
    {
    }

    public SimulatedCrashException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>One armed crash: fires once at <see cref="At"/>, the way <see cref="Mode"/> says.</summary>
public sealed class CrashPlan
{
    private int armed;

    public Checkpoint At { get; private set; }
    public CrashMode Mode { get; private set; }

    /// <summary>Cancelled on a <see cref="CrashMode.HostDeath"/>: pass its token to the run.</summary>
    public CancellationTokenSource Host { get; private set; } = new();

    public int Fired { get; private set; }

    public void Arm(Checkpoint at, CrashMode mode)
    {
        Host.Dispose();
        Host = new CancellationTokenSource();
        At = at;
        Mode = mode;
        Volatile.Write(ref armed, 1);
    }

    public void Disarm() => Volatile.Write(ref armed, 0);

    /// <summary>Crashes here if armed for <paramref name="at"/> (once).</summary>
    public void At_(Checkpoint at)
    {
        if (At != at || Interlocked.CompareExchange(ref armed, 0, 1) != 1)
        {
            return;
        }

        Fired++;
        if (Mode == CrashMode.HostDeath)
        {
            Host.Cancel();
            throw new OperationCanceledException(Host.Token);
        }

        throw new SimulatedCrashException();
    }
}

/// <summary>Replaces the last registration of <typeparamref name="T"/> with a decorator around it.</summary>
public static class Decorate
{
    public static IServiceCollection With<T>(this IServiceCollection services, Func<T, IServiceProvider, T> decorate)
        where T : class
    {
        var inner = services.Last(d => d.ServiceType == typeof(T));
        services.Remove(inner);
        services.AddSingleton(sp => decorate(Resolve<T>(inner, sp), sp));
        return services;
    }

    private static T Resolve<T>(ServiceDescriptor inner, IServiceProvider sp)
        where T : class
        => inner.ImplementationInstance as T
           ?? (inner.ImplementationFactory is { } factory
               ? (T)factory(sp)
               : (T)ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!));
}

/// <summary>Crashes after the real download completed: the stream throws where it would report its end.</summary>
public sealed class CrashingUploadSource(IUploadSource inner, CrashPlan plan) : IUploadSource
{
    public Task<UploadProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken) => inner.GetPropertiesAsync(name, cancellationToken);

    public async Task<Stream> OpenReadAsync(string name, string eTag, CancellationToken cancellationToken)
        => new HookedStream(await inner.OpenReadAsync(name, eTag, cancellationToken), onRead: (total, read) =>
        {
            if (read == 0)
            {
                plan.At_(Checkpoint.AfterDownload);
            }

            return Task.CompletedTask;
        });

    public IAsyncEnumerable<UploadProperties> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);
}

/// <summary>Crashes mid-parse: the cleaner's input throws once half the file was read.</summary>
public sealed class CrashingCleaner(IUploadCleaner inner, CrashPlan plan) : IUploadCleaner
{
    public Task<QualityReport> CleanAsync(UploadRequest upload, Stream input, Stream curatedOutput, CancellationToken cancellationToken)
    {
        var half = input.Length / 2;
        return inner.CleanAsync(upload, new HookedStream(input, onRead: (total, _) =>
        {
            if (total >= half)
            {
                plan.At_(Checkpoint.MidParse);
            }

            return Task.CompletedTask;
        }, leaveOpen: true), curatedOutput, cancellationToken);
    }
}

/// <summary>"Crash after the curated write": the real conditional create succeeds, then the host dies.</summary>
public sealed class CrashingCuratedStore(ICuratedStore inner, CrashPlan plan) : ICuratedStore
{
    public async Task<CuratedWrite> CreateIfNotExistsAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        var result = await inner.CreateIfNotExistsAsync(path, content, cancellationToken);
        plan.At_(Checkpoint.AfterCuratedWrite);
        return result;
    }
}

public sealed class CrashingReportStore(IReportStore inner, CrashPlan plan) : IReportStore
{
    public async Task SaveAsync(string jsonPath, ReadOnlyMemory<byte> json, string htmlPath, string html, CancellationToken cancellationToken)
    {
        await inner.SaveAsync(jsonPath, json, htmlPath, html, cancellationToken);
        plan.At_(Checkpoint.AfterReport);
    }

    public Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken) => inner.OpenReadAsync(path, cancellationToken);
}

public sealed class CrashingLedger(IUploadLedger inner, CrashPlan plan) : IUploadLedger
{
    public Task<bool> ReportProgressAsync(UploadLedgerEntry entry, long bytes, long rows, DateTimeOffset at, CancellationToken cancellationToken) =>
        inner.ReportProgressAsync(entry, bytes, rows, at, cancellationToken);

    public Task<UploadLedgerEntry?> GetAsync(string dataset, string uploadId, CancellationToken cancellationToken) => inner.GetAsync(dataset, uploadId, cancellationToken);

    public Task<UploadLedgerEntry?> FindAsync(string uploadId, CancellationToken cancellationToken) => inner.FindAsync(uploadId, cancellationToken);

    public Task<LedgerClaim> ClaimAsync(UploadLedgerEntry entry, CancellationToken cancellationToken) => inner.ClaimAsync(entry, cancellationToken);

    public async Task<bool> CompleteAsync(UploadLedgerEntry entry, CancellationToken cancellationToken)
    {
        var written = await inner.CompleteAsync(entry, cancellationToken);
        if (entry.Status != UploadStatus.Processing)
        {
            plan.At_(Checkpoint.AfterLedgerUpdate);
        }

        return written;
    }

    public Task<IReadOnlyList<UploadLedgerEntry>> QueryAsync(string? dataset, string? partner, UploadStatus? status, int top, CancellationToken cancellationToken)
        => inner.QueryAsync(dataset, partner, status, top, cancellationToken);
}

/// <summary>A read-only pass-through stream that calls <c>onRead(totalSoFar, lastRead)</c> after every read.</summary>
public sealed class HookedStream(Stream inner, Func<long, int, Task> onRead, bool leaveOpen = false) : Stream
{
    private long total;

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        total += read;
        onRead(total, read).GetAwaiter().GetResult();
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        total += read;
        await onRead(total, read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The system clock plus an offset a test moves forward ("the claim timeout passed").</summary>
public sealed class ShiftedClock : TimeProvider
{
    private long offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));
}
