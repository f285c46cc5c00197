using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Distribution;

/// <summary>rmi frees what pulls and pushes stored: manifests, pulled layers, the gzip blobs made for a push.</summary>
public sealed class ContentCleanupTests
{
    [Fact]
    public async Task RemovingPushedAndPulledImagesLeavesNoBlobs()
    {
        await using var registry = await RegistryServer.StartDistributionAsync();
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var blobs = Path.Combine(daemon.DataRoot, "content", "blobs");
        int Count() => Directory.Exists(blobs) ? Directory.GetFiles(blobs, "*", SearchOption.AllDirectories).Length : 0;
        var imported = Count();
        Assert.True(imported > 0);

        // A push of an imported image makes a gzip blob of its layer and stores the manifest.
        var name = $"{registry.Address}/free/app:v1";
        Ok(await daemon.Docker("tag", "busybox:latest", name));
        Ok(await daemon.Docker("push", name));
        Assert.True(Count() > imported, "the push stored its gzip layer and manifest");

        Ok(await daemon.Docker("rmi", name, "busybox:latest"));
        Assert.Equal(0, Count());

        // A pulled image: its compressed layers, config and manifest go with it.
        Ok(await daemon.Docker("pull", name));
        Assert.True(Count() > 0);
        Ok(await daemon.Docker("run", "--rm", name, "true"));
        Ok(await daemon.Docker("rmi", name));
        Assert.Equal(0, Count());
    }
}
