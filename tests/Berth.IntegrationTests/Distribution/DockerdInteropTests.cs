using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Distribution;

/// <summary>Images pushed by dockerd are pulled and run by berthd, and the other way round; berth's pushes read by skopeo.</summary>
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

    /// <summary>
    /// What the berth CLI pushes (through berthd) is an ordinary image to everyone else: dockerd
    /// pulls and runs it, and skopeo copies it out with the manifest digest berth's push printed.
    /// </summary>
    [Theory]
    [InlineData("berth")]
    [InlineData("distribution")]
    public async Task BerthCliPushesReachDockerdAndSkopeo(string kind)
    {
        await using var registry = kind == "berth" ? await RegistryServer.StartBerthAsync() : await RegistryServer.StartDistributionAsync();
        await using var berthd = await BerthDaemon.StartWithBusyboxAsync();
        var image = $"{registry.Address}/berth-cli/app:v1";
        Ok(await berthd.Berth("tag", "busybox:latest", image));
        var push = Ok(await berthd.Berth("push", image));
        var digest = Regex.Match(push.Stdout, @"v1: digest: (sha256:[0-9a-f]{64}) size: \d+").Groups[1].Value;
        Assert.True(digest.Length > 0, "no digest in berth push output: " + push);

        await using (var dockerd = await ReferenceDockerd.StartAsync())
        {
            var pull = Ok(await dockerd.Docker("pull", image));
            Assert.Contains($"Digest: {digest}", pull.Stdout);
            Assert.Equal("from berth\n", Ok(await dockerd.Docker("run", "--rm", "--network", "none", image, "echo", "from", "berth")).Stdout);
        }

        var work = Path.Combine("/tmp", "berth-skopeo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            // 127.0.0.1 over plain HTTP: skopeo needs --tls-verify=false to speak HTTP.
            using (var inspect = JsonDocument.Parse(Ok(await ReferenceClients.Skopeo("inspect", "--tls-verify=false", $"docker://{image}")).Stdout))
                Assert.Equal(digest, inspect.RootElement.GetProperty("Digest").GetString());

            // --preserve-digests: skopeo fails rather than convert the manifest, so the layout holds
            // berth's docker schema 2 manifest as pushed. (skopeo 1.9 cannot read such a layout back:
            // its oci: lookup only matches OCI media types, so the layout is checked by hand.)
            var layout = Path.Combine(work, "oci");
            Ok(await ReferenceClients.Skopeo("copy", "--preserve-digests", "--src-tls-verify=false", $"docker://{image}", $"oci:{layout}:v1"));
            using (var index = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(layout, "index.json"), TestContext.Current.CancellationToken)))
            {
                var manifest = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray());
                Assert.Equal(digest, manifest.GetProperty("digest").GetString());
                Assert.Equal("v1", manifest.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());
            }
            var blob = await File.ReadAllBytesAsync(Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]), TestContext.Current.CancellationToken);
            Assert.Equal(digest, OciLayout.DigestOf(blob));
        }
        finally
        {
            await Cleanup.RemoveTreeAsync(work, cgroupParent: null);
        }
    }
}
