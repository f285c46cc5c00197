using Berth.Daemon.Hosting;
using Xunit;

namespace Berth.Daemon.Tests;

/// <summary>
/// The trimmer collects once per quiet period that follows activity, and never while nothing happens.
/// The tests drive its clock and its ticks by hand: each step waits until the trimmer has handled
/// the tick, so nothing depends on how fast the shared host is.
/// </summary>
public sealed class IdleMemoryTrimmerTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task TrimsOnceAfterActivityThenWaitsForMore()
    {
        var trims = 0;
        var time = new ManualTime();
        var ticks = new ManualTicks();
        var trimmer = new IdleMemoryTrimmer(Quiet, () => Interlocked.Increment(ref trims), time);
        using var stop = new CancellationTokenSource();
        var running = trimmer.RunAsync(ticks.WaitAsync, stop.Token);

        trimmer.Touch();
        time.Advance(Quiet / 2);
        await ticks.TickAsync();
        Assert.Equal(0, Volatile.Read(ref trims)); // not quiet for a whole period yet
        time.Advance(Quiet / 2);
        await ticks.TickAsync();
        Assert.Equal(1, Volatile.Read(ref trims));

        // Quiet periods without new requests do not collect again.
        for (var i = 0; i < 5; i++)
        {
            time.Advance(Quiet);
            await ticks.TickAsync();
        }
        Assert.Equal(1, Volatile.Read(ref trims));

        trimmer.Touch();
        time.Advance(Quiet);
        await ticks.TickAsync();
        Assert.Equal(2, Volatile.Read(ref trims));

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task ActivityKeepsTheTrimmerFromCollecting()
    {
        var trims = 0;
        var time = new ManualTime();
        var ticks = new ManualTicks();
        var trimmer = new IdleMemoryTrimmer(Quiet, () => Interlocked.Increment(ref trims), time);
        using var stop = new CancellationTokenSource();
        var running = trimmer.RunAsync(ticks.WaitAsync, stop.Token);

        for (var i = 0; i < 5; i++)
        {
            trimmer.Touch();
            time.Advance(Quiet / 2);
            await ticks.TickAsync();
        }
        Assert.Equal(0, Volatile.Read(ref trims));

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task NoActivityNoTrim()
    {
        var trims = 0;
        var time = new ManualTime();
        var ticks = new ManualTicks();
        // Activity is counted from the first Touch, not from construction.
        var trimmer = new IdleMemoryTrimmer(Quiet, () => Interlocked.Increment(ref trims), time);
        using var stop = new CancellationTokenSource();
        var running = trimmer.RunAsync(ticks.WaitAsync, stop.Token);
        for (var i = 0; i < 5; i++)
        {
            time.Advance(Quiet);
            await ticks.TickAsync();
        }
        await stop.CancelAsync();
        await running;
        Assert.Equal(0, trims);
    }

    /// <summary>The daemon's own path: the real clock and timer. Polls for the trim with a generous deadline.</summary>
    [Fact]
    public async Task TrimsOnItsOwnTimerAfterActivity()
    {
        var trims = 0;
        var trimmer = new IdleMemoryTrimmer(TimeSpan.FromMilliseconds(100), () => Interlocked.Increment(ref trims));
        using var stop = new CancellationTokenSource();
        var running = trimmer.RunAsync(stop.Token);

        trimmer.Touch();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref trims) == 0 && DateTime.UtcNow < deadline) await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.True(Volatile.Read(ref trims) >= 1, "the trimmer did not run in 10 s");

        await stop.CancelAsync();
        await running;
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _now = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _now);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _now, by.Ticks);
    }

    /// <summary>
    /// Ticks handed to the trimmer one at a time. <see cref="TickAsync"/> returns once the trimmer
    /// has handled the tick and is waiting for the next one.
    /// </summary>
    private sealed class ManualTicks
    {
        private readonly SemaphoreSlim _waiting = new(0);
        private readonly SemaphoreSlim _tick = new(0);

        public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
        {
            _waiting.Release();
            await _tick.WaitAsync(cancellationToken);
            return true;
        }

        public async Task TickAsync()
        {
            var ct = TestContext.Current.CancellationToken;
            await _waiting.WaitAsync(ct); // the trimmer waits for this tick
            _tick.Release();
            await _waiting.WaitAsync(ct); // it has handled it and waits for the next
            _waiting.Release();
        }
    }
}
