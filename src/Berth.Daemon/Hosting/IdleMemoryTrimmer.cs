using Microsoft.Extensions.Logging;

namespace Berth.Daemon.Hosting;

/// <summary>
/// Gives the GC's free memory back to the system once the daemon goes quiet after API work.
/// A daemon idles most of its life, and a generational GC keeps the regions a burst of requests
/// grew (berthd went from ~35 to ~50 MiB RSS over a hundred runs); one aggressive, compacting
/// collection per quiet period returns them. It costs a few milliseconds, only after activity.
/// Lifecycle: <see cref="Touch"/> on every request; <see cref="RunAsync(CancellationToken)"/> until shutdown.
/// The clock (<paramref name="time"/>, default <see cref="TimeProvider.System"/>) and, through
/// <see cref="RunAsync(Func{CancellationToken, ValueTask{bool}}, CancellationToken)"/>, the ticks
/// can be supplied, so that tests drive the trimmer step by step instead of sleeping. Each
/// collection is logged at debug level (<see cref="TrimmedMessage"/>), which the integration
/// tests wait for.
/// </summary>
public sealed class IdleMemoryTrimmer(TimeSpan quietPeriod, Action? trim = null, TimeProvider? time = null, ILogger? logger = null)
{
    /// <summary>The debug log line written after each collection.</summary>
    public const string TrimmedMessage = "idle: gave the GC's free memory back";

    private readonly Action _trim = trim ?? (() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true));
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private long _lastActivity;
    private int _activeSinceTrim;

    /// <summary>Marks API activity (a request starting or ending).</summary>
    public void Touch()
    {
        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
        Volatile.Write(ref _activeSinceTrim, 1);
    }

    public Func<HttpContext, RequestDelegate, Task> Middleware => async (context, next) =>
    {
        Touch();
        try
        {
            await next(context);
        }
        finally
        {
            Touch();
        }
    };

    /// <summary>Checks every half quiet period, on a timer of the trimmer's clock.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(quietPeriod / 2, _time);
        await RunAsync(timer.WaitForNextTickAsync, cancellationToken);
    }

    /// <summary>
    /// Checks once each time <paramref name="waitForTick"/> completes with true: collects when there
    /// was activity since the last collection and none for a whole quiet period. Ends when it
    /// returns false or the token is cancelled.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, ValueTask<bool>> waitForTick, CancellationToken cancellationToken)
    {
        try
        {
            while (await waitForTick(cancellationToken))
            {
                if (Volatile.Read(ref _activeSinceTrim) == 0) continue;
                if (_time.GetElapsedTime(Volatile.Read(ref _lastActivity)) < quietPeriod) continue;
                Volatile.Write(ref _activeSinceTrim, 0);
                _trim();
                logger?.LogDebug(TrimmedMessage);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown.
        }
    }
}
