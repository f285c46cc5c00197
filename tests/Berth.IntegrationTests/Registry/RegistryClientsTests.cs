using System.Text.Json;
using Berth.IntegrationTests.Harness;
using Xunit;

namespace Berth.IntegrationTests.Registry;

/// <summary>
/// berth-registry with the clients people already use: dockerd, skopeo and podman push to it,
/// pull from it and read it, over plain HTTP on 127.0.0.1.
/// </summary>
public sealed class RegistryClientsTests : IAsyncLifetime
{
    private RegistryServer _registry = null!;
    private readonly string _work = Path.Combine("/tmp", "regcli-" + Guid.NewGuid().ToString("N")[..8]);

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        _registry = await RegistryServer.StartBerthAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _registry.DisposeAsync();
        await Cleanup.RemoveTreeAsync(_work, cgroupParent: null);
    }

    [Fact]
    public async Task DockerdPushesPullsAndRuns()
    {
        await using var dockerd = await ReferenceDockerd.StartAsync();
        var image = $"{_registry.Address}/dockerd/busybox:v1";
        using (var tar = new MemoryStream(await BusyboxRootfs.TarAsync()))
            Assert.Equal(0, (await ProcessRunner.RunAsync(BerthDaemon.DockerCli!, ["import", "-c", "CMD [\"sh\"]", "-", image],
                new Dictionary<string, string> { ["DOCKER_HOST"] = dockerd.Host, ["DOCKER_CONFIG"] = dockerd.ConfigDir }, tar)).ExitCode);
        var id = (await dockerd.Docker("image", "inspect", "-f", "{{.Id}}", image)).Stdout.Trim();

        var push = await dockerd.Docker("push", image);
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Matches(@"v1: digest: sha256:[0-9a-f]{64} size: \d+", push.Stdout);
        Assert.Equal(0, (await dockerd.Docker("rmi", image)).ExitCode);

        var pull = await dockerd.Docker("pull", image);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Contains($"Status: Downloaded newer image for {image}", pull.Stdout);
        Assert.Equal(id, (await dockerd.Docker("image", "inspect", "-f", "{{.Id}}", image)).Stdout.Trim());

        var run = await dockerd.Docker("run", "--rm", "--network", "none", image, "echo", "ran from berth-registry");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("ran from berth-registry", run.Stdout.Trim());

        // A second push finds every blob there already.
        var again = await dockerd.Docker("push", image);
        Assert.Contains("Layer already exists", again.Stdout);
    }

    [Fact]
    public async Task SkopeoCopiesInBothDirectionsAndInspects()
    {
        var source = Path.Combine(_work, "oci-source");
        var image = await OciLayout.WriteAsync(source, "v1", [await BusyboxRootfs.TarAsync(), LayerWithFile("hello.txt", "hello")]);
        var target = $"docker://{_registry.Address}/skopeo/app:v1";

        var push = await ReferenceClients.Skopeo("copy", "--dest-tls-verify=false", $"oci:{source}:v1", target);
        Assert.True(push.ExitCode == 0, push.ToString());

        var inspect = await ReferenceClients.Skopeo("inspect", "--tls-verify=false", target);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        using (var json = JsonDocument.Parse(inspect.Stdout))
        {
            Assert.Equal(image.ManifestDigest, json.RootElement.GetProperty("Digest").GetString());
            Assert.Equal(["v1"], json.RootElement.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal(image.LayerDigests, json.RootElement.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()));
        }
        var raw = await ReferenceClients.Skopeo("inspect", "--raw", "--tls-verify=false", target);
        Assert.Equal(image.ManifestDigest, OciLayout.DigestOf(System.Text.Encoding.UTF8.GetBytes(raw.Stdout)));

        var copyBack = Path.Combine(_work, "oci-back");
        var pull = await ReferenceClients.Skopeo("copy", "--src-tls-verify=false", target, $"oci:{copyBack}:v1");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        foreach (var digest in image.LayerDigests.Append(image.ConfigDigest).Append(image.ManifestDigest))
        {
            var name = digest["sha256:".Length..];
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(source, "blobs", "sha256", name), TestContext.Current.CancellationToken),
                await File.ReadAllBytesAsync(Path.Combine(copyBack, "blobs", "sha256", name), TestContext.Current.CancellationToken));
        }

        // Registry to registry, through skopeo: blobs are mounted or copied, the digest is kept.
        var copy = await ReferenceClients.Skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", target,
            $"docker://{_registry.Address}/skopeo/copy:v2");
        Assert.True(copy.ExitCode == 0, copy.ToString());
        var copied = await ReferenceClients.Skopeo("inspect", "--tls-verify=false", $"docker://{_registry.Address}/skopeo/copy:v2");
        using var copiedJson = JsonDocument.Parse(copied.Stdout);
        Assert.Equal(image.ManifestDigest, copiedJson.RootElement.GetProperty("Digest").GetString());
    }

    [Fact]
    public async Task PodmanPushesAndPulls()
    {
        var podmanRoot = Path.Combine(_work, "podman");
        var tar = Path.Combine(_work, "busybox.tar");
        await File.WriteAllBytesAsync(tar, await BusyboxRootfs.TarAsync(), TestContext.Current.CancellationToken);
        var import = await ReferenceClients.Podman(podmanRoot, "import", tar, "localhost/busybox:v1");
        Assert.True(import.ExitCode == 0, import.ToString());
        var id = import.Stdout.Trim().Split('\n')[^1].Replace("sha256:", "");
        var image = $"{_registry.Address}/podman/busybox:v1";

        var push = await ReferenceClients.Podman(podmanRoot, "push", "--tls-verify=false", "localhost/busybox:v1", "docker://" + image);
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Equal(0, (await ReferenceClients.Podman(podmanRoot, "rmi", "localhost/busybox:v1")).ExitCode);

        var pull = await ReferenceClients.Podman(podmanRoot, "pull", "--tls-verify=false", image);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(id, pull.Stdout.Trim().Split('\n')[^1]);
        var inspect = await ReferenceClients.Podman(podmanRoot, "image", "inspect", "--format", "{{.Id}}", image);
        Assert.Equal(id, inspect.Stdout.Trim());
    }

    /// <summary>A one-file layer tar, so images with more than one layer are easy to make.</summary>
    internal static byte[] LayerWithFile(string name, string content)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(buffer, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            };
            writer.WriteEntry(entry);
        }
        return buffer.ToArray();
    }
}
