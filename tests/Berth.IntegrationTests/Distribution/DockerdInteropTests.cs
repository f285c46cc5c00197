using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Distribution;

/// <summary>Images pushed by dockerd are pulled and run by berthd, and the other way round.</summary>
public sealed class DockerdInteropTests
{
    [Fact]
    public async Task DockerdAndBerthdExchangeImagesThroughARegistry()
    {
        await using var registry = await RegistryServer.StartDistributionAsync();
        await using var berthd = await BerthDaemon.StartWithBusyboxAsync();
        await using var dockerd = await ReferenceDockerd.StartAsync();

        // berthd → registry → dockerd
        var fromBerth = $"{registry.Address}/from-berth:v1";
        Ok(await berthd.Docker("tag", "busybox:latest", fromBerth));
        Ok(await berthd.Docker("push", fromBerth));
        Ok(await dockerd.Docker("pull", fromBerth));
        Assert.Equal("dockerd\n", Ok(await dockerd.Docker("run", "--rm", "--network", "none", fromBerth, "echo", "dockerd")).Stdout);

        // dockerd → registry → berthd
        var fromDocker = $"{registry.Address}/from-dockerd:v1";
        Ok(await dockerd.Docker("tag", fromBerth, fromDocker));
        var push = Ok(await dockerd.Docker("push", fromDocker));
        Assert.Contains("Mounted from from-berth", push.Stdout);
        Ok(await berthd.Docker("pull", fromDocker));
        Assert.Equal("berthd\n", Ok(await berthd.Docker("run", "--rm", fromDocker, "echo", "berthd")).Stdout);
    }
}
