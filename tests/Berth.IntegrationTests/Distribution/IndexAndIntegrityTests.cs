using System.Diagnostics;
using System.Text.Json;
using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Distribution;

/// <summary>Multi-platform indexes, corrupt blobs and pulls interrupted by a daemon crash, against distribution 2.8.</summary>
public sealed class IndexAndIntegrityTests
{
    [Fact]
    public async Task IndexPullsTheHostPlatformOrTheAskedOne()
    {
        await using var registry = await RegistryServer.StartDistributionAsync();
        using var images = new TestRegistryImages(registry.BaseAddress);
        var amd = await images.PushImageAsync("multi", "amd64-only", "amd64", [("arch", "amd64\n"u8.ToArray())]);
        var arm = await images.PushImageAsync("multi", "arm64-only", "arm64", [("arch", "arm64\n"u8.ToArray())]);
        var index = await images.PutManifestAsync("multi", "v1", TestRegistryImages.Index((amd.Manifest, "amd64"), (arm.Manifest, "arm64")),
            "application/vnd.oci.image.index.v1+json");
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var name = $"{registry.Address}/multi:v1";

        var pull = Ok(await daemon.Docker("pull", name));
        Assert.Contains($"Digest: {index.Digest}", pull.Stdout);
        Assert.Equal(amd.Config.Digest, Inspect(await daemon.Docker("image", "inspect", name)).GetProperty("Id").GetString());

        var armPull = Ok(await daemon.Docker("pull", "--platform", "linux/arm64", name));
        Assert.Contains("Downloaded newer image", armPull.Stdout);
        var inspected = Inspect(await daemon.Docker("image", "inspect", name));
        Assert.Equal(arm.Config.Digest, inspected.GetProperty("Id").GetString());
        Assert.Equal("arm64", inspected.GetProperty("Architecture").GetString());

        var none = await daemon.Docker("pull", "--platform", "linux/s390x", name);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no matching manifest for linux/s390x in the manifest list entries", none.Stderr);
    }

    [Fact]
    public async Task CorruptLayerFailsThePullAndLeavesNoImage()
    {
        await using var registry = await RegistryServer.StartDistributionAsync();
        using var images = new TestRegistryImages(registry.BaseAddress);
        var pushed = await images.PushImageAsync("corrupt", "v1", "amd64", [("a", new byte[100_000]), ("b", "second"u8.ToArray())]);
        var victim = pushed.Layers[0].Digest[7..];
        var data = Path.Combine(registry.StorageRoot, "docker/registry/v2/blobs/sha256", victim[..2], victim, "data");
        var bytes = await File.ReadAllBytesAsync(data, TestContext.Current.CancellationToken);
        bytes[bytes.Length / 2] ^= 0xff;
        await File.WriteAllBytesAsync(data, bytes, TestContext.Current.CancellationToken);
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();

        var pull = await daemon.Docker("pull", $"{registry.Address}/corrupt:v1");
        Assert.Equal(1, pull.ExitCode);
        Assert.Contains($"filesystem layer verification failed for digest {pushed.Layers[0].Digest}", pull.Stderr);
        var list = Ok(await daemon.Docker("images", "-a", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"));
        Assert.DoesNotContain("corrupt", list.Stdout);
        Assert.DoesNotContain(pushed.Config.Digest[7..19], list.Stdout);
        Assert.False(File.Exists(Path.Combine(daemon.DataRoot, "content/blobs/sha256", victim)));
    }

    /// <summary>
    /// Since content GC (issue 10), a killed daemon's pull lease is never live again: the next start
    /// removes the layers it had verified, and the next pull fetches them again. (Before, they stayed
    /// and were reused; they also stayed forever when no pull came.)
    /// </summary>
    [Fact]
    public async Task PullAfterACrashStartsCleanAndSucceeds()
    {
        await using var registry = await RegistryServer.StartDistributionAsync();
        using var images = new TestRegistryImages(registry.BaseAddress);
        var random = new Random(42);
        var files = Enumerable.Range(0, 8).Select(i => { var b = new byte[16 << 20]; random.NextBytes(b); return ($"big{i}", b); }).ToList();
        var pushed = await images.PushImageAsync("big", "v1", "amd64", files, level: System.IO.Compression.CompressionLevel.NoCompression);
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var name = $"{registry.Address}/big:v1";
        var blobDir = Path.Combine(daemon.DataRoot, "content/blobs/sha256");

        var pull = daemon.Docker("pull", name);
        var watch = Stopwatch.StartNew();
        while (!pushed.Layers.Any(l => File.Exists(Path.Combine(blobDir, l.Digest[7..]))) && watch.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(5, TestContext.Current.CancellationToken);
        await daemon.KillHardAsync();
        await pull;
        var verified = pushed.Layers.Where(l => File.Exists(Path.Combine(blobDir, l.Digest[7..]))).ToList();
        Assert.NotEmpty(verified);

        await daemon.StartAsync();
        var list = Ok(await daemon.Docker("images", "--format", "{{.Repository}}"));
        Assert.DoesNotContain($"{registry.Address}/big", list.Stdout);
        Assert.True(verified.Count < pushed.Layers.Count, "the pull finished before the kill; nothing to resume");

        // The start collection (beside serving) removes what the killed pull left.
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(
            !verified.Any(l => File.Exists(Path.Combine(blobDir, l.Digest[7..]))))), "the killed pull's layers were not collected");

        Ok(await daemon.Docker("pull", name));
        var log = await registry.ReadLogAsync();
        foreach (var layer in verified) Assert.Equal(2, RegistryLog.Gets(log, "big", layer.Digest));
        foreach (var layer in pushed.Layers) Assert.InRange(RegistryLog.Gets(log, "big", layer.Digest), 1, 2);
        Ok(await daemon.Docker("image", "inspect", name));
    }

    private static JsonElement Inspect(CommandResult result)
    {
        Ok(result);
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement[0].Clone();
    }
}
