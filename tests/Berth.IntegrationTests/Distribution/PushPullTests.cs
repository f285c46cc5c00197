using System.Text.Json;
using Berth.IntegrationTests.Harness;
using Xunit;

namespace Berth.IntegrationTests.Distribution;

/// <summary>docker push / pull / run through berthd against distribution 2.8 and berth-registry, over plain HTTP.</summary>
public sealed class PushPullTests
{
    [Fact]
    public async Task PushRemovePullAndRunThroughDistribution()
    {
        await using var registry = await RegistryServer.StartDistributionAsync();
        await RoundTripAsync(registry);
    }

    [Fact]
    public async Task PushRemovePullAndRunThroughBerthRegistry()
    {
        await using var registry = await RegistryServer.StartBerthAsync();
        await RoundTripAsync(registry);
    }

    private static async Task RoundTripAsync(RegistryServer registry)
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var name = $"{registry.Address}/team/app:v1";
        Ok(await daemon.Docker("tag", "busybox:latest", name));

        var push = Ok(await daemon.Docker("push", name));
        Assert.Contains($"The push refers to repository [{registry.Address}/team/app]", push.Stdout);
        Assert.Contains("Pushed", push.Stdout);
        Assert.Matches(@"v1: digest: sha256:[0-9a-f]{64} size: \d+", push.Stdout);
        var pushedDigest = System.Text.RegularExpressions.Regex.Match(push.Stdout, @"digest: (sha256:[0-9a-f]{64})").Groups[1].Value;

        // Pushing again uploads nothing and gives the same digest (the gzip of the layer is remembered).
        var again = Ok(await daemon.Docker("push", name));
        Assert.Contains("Layer already exists", again.Stdout);
        Assert.Contains(pushedDigest, again.Stdout);

        // Another repository of the same registry gets the layer by a cross-repository mount.
        Ok(await daemon.Docker("tag", "busybox:latest", $"{registry.Address}/other:v2"));
        var mounted = Ok(await daemon.Docker("push", $"{registry.Address}/other:v2"));
        Assert.Contains("Mounted from team/app", mounted.Stdout);

        Ok(await daemon.Docker("rmi", name, $"{registry.Address}/other:v2", "busybox:latest"));
        var pull = Ok(await daemon.Docker("pull", name));
        Assert.Contains("v1: Pulling from team/app", pull.Stdout);
        Assert.Contains("Pull complete", pull.Stdout);
        Assert.Contains($"Digest: {pushedDigest}", pull.Stdout);
        Assert.Contains($"Status: Downloaded newer image for {name}", pull.Stdout);

        var inspect = Ok(await daemon.Docker("image", "inspect", name));
        using (var document = JsonDocument.Parse(inspect.Stdout))
        {
            var image = document.RootElement[0];
            Assert.Equal($"{registry.Address}/team/app@{pushedDigest}", image.GetProperty("RepoDigests")[0].GetString());
            Assert.StartsWith("sha256:", image.GetProperty("Id").GetString());
        }

        var upToDate = Ok(await daemon.Docker("pull", name));
        Assert.Contains($"Status: Image is up to date for {name}", upToDate.Stdout);

        var run = Ok(await daemon.Docker("run", "--rm", name, "echo", "pulled"));
        Assert.Equal("pulled\n", run.Stdout);

        // docker run of a missing image: the CLI sees docker's 404, pulls, and retries the create.
        Ok(await daemon.Docker("rmi", name));
        var runPull = Ok(await daemon.Docker("run", "--rm", name, "echo", "again"));
        Assert.Contains($"Unable to find image '{name}' locally", runPull.Stderr);
        Assert.EndsWith("again\n", runPull.Stdout);

        var missing = await daemon.Docker("pull", $"{registry.Address}/team/app:nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains($"manifest for {registry.Address}/team/app:nope not found", missing.Stderr);
    }

    [Fact]
    public async Task TwoClientsPullingTheSameImageDownloadEachLayerOnce()
    {
        await using var registry = await RegistryServer.StartDistributionAsync();
        using var images = new TestRegistryImages(registry.BaseAddress);
        var random = new Random(7);
        var files = Enumerable.Range(0, 3).Select(i => { var b = new byte[8 << 20]; random.NextBytes(b); return ($"f{i}", b); }).ToList();
        var (_, _, layers) = await images.PushImageAsync("shared", "v1", "amd64", files);
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();

        var results = await Task.WhenAll(daemon.Docker("pull", $"{registry.Address}/shared:v1"), daemon.Docker("pull", $"{registry.Address}/shared:v1"));
        foreach (var result in results) Ok(result);
        var log = await registry.ReadLogAsync();
        foreach (var layer in layers)
            Assert.Equal(1, RegistryLog.Gets(log, "shared", layer.Digest));
    }

    internal static CommandResult Ok(CommandResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}

internal static class RegistryLog
{
    /// <summary>Successful GETs of a blob in distribution's access log.</summary>
    public static int Gets(string log, string repository, string digest) =>
        log.Split('\n').Count(line => line.Contains($"\"GET /v2/{repository}/blobs/{digest} ") && line.Contains("\" 200 "));
}
