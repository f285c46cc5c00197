using Berth.IntegrationTests.Harness;
using Xunit;

namespace Berth.IntegrationTests.Distribution;

/// <summary>Pulls that cannot reach a registry fail the way dockerd's do, in the words scripts match on.</summary>
public sealed class PullErrorTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    [Fact]
    public async Task UnreachableRegistryIsConnectionRefused()
    {
        var port = RegistryServer.FreePort(); // nothing listens there
        foreach (var client in new Func<string[], Task<CommandResult>>[] { fixture.Daemon.Docker, fixture.Daemon.Berth })
        {
            var pull = await client(["pull", $"127.0.0.1:{port}/nothing:here"]);
            Assert.Equal(1, pull.ExitCode);
            Assert.Contains($"Error response from daemon: Get \"http://127.0.0.1:{port}/v2/\": dial tcp 127.0.0.1:{port}: connect: connection refused", pull.Stderr);
        }
        Assert.Equal(0, (await fixture.Daemon.Berth("version")).ExitCode);
    }
}
