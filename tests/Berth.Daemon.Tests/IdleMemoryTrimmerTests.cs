using Berth.Daemon.Hosting;
using Xunit;

namespace Berth.Daemon.Tests;

/// <summary>The trimmer collects once per quiet period that follows activity, and never while nothing happens.</summary>
public sealed class IdleMemoryTrimmerTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task TrimsOnceAfterActivityThenWaitsForMore()
    {
        var trims = 0;
        var trimmer = new IdleMemoryTrimmer(Quiet, () => Interlocked.Increment(ref trims));
        using var stop = new CancellationTokenSource();
        var running = trimmer.RunAsync(stop.Token);

        trimmer.Touch();
        await WaitUntilAsync(() => Volatile.Read(ref trims) == 1);
        // Quiet periods without new requests do not collect again.
        await Task.Delay(Quiet * 5);
        Assert.Equal(1, Volatile.Read(ref trims));

        trimmer.Touch();
        await WaitUntilAsync(() => Volatile.Read(ref trims) == 2);

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task NoActivityNoTrim()
    {
        var trims = 0;
        // Activity is counted from the first Touch, not from construction.
        var trimmer = new IdleMemoryTrimmer(Quiet, () => Interlocked.Increment(ref trims));
        using var stop = new CancellationTokenSource();
        var running = trimmer.RunAsync(stop.Token);
        await Task.Delay(Quiet * 5);
        await stop.CancelAsync();
        await running;
        Assert.Equal(0, trims);
    }

    /// <summary>Polls for a condition with a generous limit: the host is shared, the assertion is about what happens, not when.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), "the trimmer did not run in 10 s");
    }
}
