namespace Berth.IntegrationTests.Harness;

/// <summary>One berthd with busybox for a whole test class; containers get unique names per test.</summary>
public sealed class DaemonFixture : IAsyncLifetime
{
    public BerthDaemon Daemon { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Daemon = await BerthDaemon.StartWithBusyboxAsync();

    public async ValueTask DisposeAsync() => await Daemon.DisposeAsync();

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
}
