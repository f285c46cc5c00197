using System.Text;
using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Distribution;

/// <summary>
/// docker pull -a / berth pull -a: POST /images/create with fromImage and no tag pulls every tag
/// of the repository, with dockerd's stream ("TAG: Pulling from NAME" per tag, one Status line).
/// </summary>
public sealed class AllTagsPullTests
{
    private static readonly string[] Tags = ["v1", "v2", "v3"];

    [Fact]
    public async Task DockerPullAllTagsPullsEveryTag()
    {
        await using var registry = await RegistryServer.StartDistributionAsync();
        await SeedAsync(registry);
        await using var daemon = new BerthDaemon();
        await daemon.StartAsync();
        await PullAllAsync(registry, args => daemon.Docker(args), daemon);
    }

    [Fact]
    public async Task BerthPullAllTagsPullsEveryTag()
    {
        await using var registry = await RegistryServer.StartBerthAsync();
        await SeedAsync(registry);
        await using var daemon = new BerthDaemon();
        await daemon.StartAsync();
        await PullAllAsync(registry, args => daemon.Berth(args), daemon);
    }

    /// <summary>Apart from per-layer lines, berthd's stream for pull -a is dockerd 20.10's, line for line.</summary>
    [Fact]
    public async Task PullAllTagsSaysWhatDockerdSays()
    {
        Assert.SkipUnless(ReferenceDockerd.Installed, "needs dockerd (Debian: docker.io) and the docker CLI");
        await using var registry = await RegistryServer.StartDistributionAsync();
        await SeedAsync(registry);
        await using var daemon = new BerthDaemon();
        await daemon.StartAsync();
        await using var dockerd = await ReferenceDockerd.StartAsync();
        var repository = $"{registry.Address}/team/all";

        var expected = Summary(Ok(await dockerd.Docker("pull", "-a", repository)).Stdout);
        var actual = Summary(Ok(await daemon.Docker("pull", "-a", repository)).Stdout);
        Assert.Equal(expected, actual);
        Assert.Equal(Summary(Ok(await dockerd.Docker("pull", "-a", repository)).Stdout), Summary(Ok(await daemon.Docker("pull", "-a", repository)).Stdout));
    }

    private static List<string> Summary(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !System.Text.RegularExpressions.Regex.IsMatch(line, "^[0-9a-f]{12}: ")).ToList();

    /// <summary>Three tags of team/all, each a different one-layer image.</summary>
    private static async Task SeedAsync(RegistryServer registry)
    {
        using var images = new TestRegistryImages(registry.BaseAddress);
        foreach (var tag in Tags)
            await images.PushImageAsync("team/all", tag, "amd64", [($"{tag}.txt", Encoding.UTF8.GetBytes("tag " + tag))]);
    }

    private static async Task PullAllAsync(RegistryServer registry, Func<string[], Task<CommandResult>> cli, BerthDaemon daemon)
    {
        var repository = $"{registry.Address}/team/all";
        var pull = Ok(await cli(["pull", "-a", repository]));
        foreach (var tag in Tags)
            Assert.Contains($"{tag}: Pulling from team/all", pull.Stdout);
        Assert.Equal(3, CountOf(pull.Stdout, "Digest: sha256:"));
        Assert.Equal(1, CountOf(pull.Stdout, "Status: "));
        Assert.Contains($"Status: Downloaded newer image for {repository}\n", pull.Stdout);
        Assert.DoesNotContain("Using default tag", pull.Stdout);
        Assert.True(pull.Stdout.IndexOf("v1: Pulling", StringComparison.Ordinal) < pull.Stdout.IndexOf("v3: Pulling", StringComparison.Ordinal));

        var list = Ok(await daemon.Docker("images", "--format", "{{.Repository}}:{{.Tag}}", repository));
        Assert.Equal(Tags.Select(t => $"{repository}:{t}").Order(), list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        var ids = Ok(await daemon.Docker("images", "-q", "--no-trunc", repository));
        Assert.Equal(3, ids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct().Count());

        var again = Ok(await cli(["pull", "-a", repository]));
        Assert.Contains($"Status: Image is up to date for {repository}\n", again.Stdout);

        // A tag given means that tag only; the CLI refuses a tag with -a.
        Ok(await daemon.Docker("rmi", $"{repository}:v2"));
        var one = Ok(await cli(["pull", $"{repository}:v2"]));
        Assert.DoesNotContain("v1: Pulling", one.Stdout);
        Assert.Contains($"Status: Downloaded newer image for {repository}:v2", one.Stdout);
        var refused = await cli(["pull", "-a", $"{repository}:v1"]);
        Assert.NotEqual(0, refused.ExitCode);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
