using Berth.Engine.Containers;
using Berth.Engine.Containers.Lifecycle;
using Xunit;

namespace Berth.Engine.Tests.Containers.Lifecycle;

public sealed class RestartManagerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ContainerState Ran(TimeSpan length) => new() { Status = ContainerStatus.Exited, StartedAt = T0, FinishedAt = T0 + length };

    [Fact]
    public void BackOffStartsAt100msDoublesPerQuickFailureAndStopsAtAMinute()
    {
        var restarts = new RestartManager(new ManualClock());
        var delay = TimeSpan.Zero;
        var seen = new List<double>();
        for (var i = 0; i < 12; i++)
        {
            delay = restarts.NextBackoff(Ran(TimeSpan.FromSeconds(1)), delay);
            seen.Add(delay.TotalMilliseconds);
        }
        Assert.Equal([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000], seen);
    }

    [Fact]
    public void ARunOfTenSecondsResetsTheBackOff()
    {
        var restarts = new RestartManager(new ManualClock());
        Assert.Equal(RestartManager.InitialBackoff, restarts.NextBackoff(Ran(TimeSpan.FromSeconds(10)), TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(60), restarts.NextBackoff(Ran(TimeSpan.FromSeconds(9.9)), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void ARunWithoutTimesIsMeasuredOnTheClockAndCountsAsQuick()
    {
        var restarts = new RestartManager(new ManualClock());
        Assert.Equal(TimeSpan.FromMilliseconds(400), restarts.NextBackoff(new ContainerState(), TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task TheDelayWaitsForTheClock()
    {
        var clock = new ManualClock();
        var restarts = new RestartManager(clock);
        var delay = restarts.DelayAsync(TimeSpan.FromMilliseconds(400), CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(399));
        await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await delay.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("no", 0, 1, 0, false)]
    [InlineData("always", 0, 0, 0, true)]
    [InlineData("unless-stopped", 0, 0, 0, true)]
    [InlineData("on-failure", 0, 0, 0, false)]
    [InlineData("on-failure", 0, 1, 5, true)]
    [InlineData("on-failure", 3, 1, 2, true)]
    [InlineData("on-failure", 3, 1, 3, false)]
    public void PoliciesDecideAsDockers(string policy, int max, int exitCode, int restartCount, bool restart)
    {
        var container = LifecycleFixture.NewContainer(h => h with { RestartPolicy = new RestartPolicy(policy, max) }) with
        {
            State = new ContainerState { Status = ContainerStatus.Exited, ExitCode = exitCode },
            RestartCount = restartCount,
        };
        Assert.Equal(restart, RestartManager.ShouldRestart(container));
        Assert.False(RestartManager.ShouldRestart(container with { ManuallyStopped = true }));
    }
}
