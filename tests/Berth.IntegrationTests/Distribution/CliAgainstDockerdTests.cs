using System.Text;
using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests.Distribution;

/// <summary>
/// A private dockerd, a plain distribution 2.8 and one behind htpasswd, shared by the class;
/// busybox imported into dockerd. Nothing is started when dockerd is not installed.
/// </summary>
public sealed class DockerdWithRegistries : IAsyncLifetime
{
    public ReferenceDockerd? Dockerd { get; private set; }
    public RegistryServer? Plain { get; private set; }
    public RegistryServer? Secured { get; private set; }
    private string _root = "";

    public static bool Available => ReferenceDockerd.Installed && RegistryServer.DistributionInstalled && File.Exists("/usr/bin/htpasswd");

    public async ValueTask InitializeAsync()
    {
        // scripts/test installs these; without them the tests fail rather than pass untested.
        if (!Available) throw new InvalidOperationException("dockerd (docker.io), docker-registry and htpasswd (apache2-utils) are required");
        _root = Directory.CreateTempSubdirectory("berth-cli-dist-").FullName;
        var htpasswd = Path.Combine(_root, "htpasswd");
        var hash = await ProcessRunner.RunAsync("/usr/bin/htpasswd", ["-Bbn", "user", "pass"]);
        await File.WriteAllTextAsync(htpasswd, hash.Stdout);
        Dockerd = await ReferenceDockerd.StartAsync();
        Plain = await RegistryServer.StartDistributionAsync();
        Secured = await RegistryServer.StartDistributionAsync(new RegistrySecurity(HtpasswdPath: htpasswd));
        var imported = await ProcessRunner.RunAsync(BerthDaemon.DockerCli!, ["import", "-c", "CMD [\"sh\"]", "-", "busybox:latest"],
            new Dictionary<string, string> { ["DOCKER_HOST"] = Dockerd.Host, ["DOCKER_CONFIG"] = Dockerd.ConfigDir },
            new MemoryStream(await BusyboxRootfs.TarAsync()), TimeSpan.FromMinutes(2));
        if (imported.ExitCode != 0) throw new InvalidOperationException("docker import: " + imported);
    }

    public async ValueTask DisposeAsync()
    {
        if (Secured is not null) await Secured.DisposeAsync();
        if (Plain is not null) await Plain.DisposeAsync();
        if (Dockerd is not null) await Dockerd.DisposeAsync();
        if (_root.Length > 0) Directory.Delete(_root, recursive: true);
    }
}

/// <summary>
/// `berth pull/push/login/logout/run` end to end against the reference dockerd (the Engine API
/// is the same one berthd serves), with the docker CLI beside it as the reference for output
/// and exit codes. Return early (and pass) when dockerd or distribution is not installed.
/// </summary>
public sealed class CliAgainstDockerdTests(DockerdWithRegistries env) : IClassFixture<DockerdWithRegistries>, IDisposable
{
    private readonly string _berthConfig = Directory.CreateTempSubdirectory("berth-cli-cfg-").FullName;
    private readonly string _dockerConfig = Directory.CreateTempSubdirectory("docker-cli-cfg-").FullName;

    public void Dispose()
    {
        Directory.Delete(_berthConfig, recursive: true);
        Directory.Delete(_dockerConfig, recursive: true);
    }

    private Task<CommandResult> Berth(params string[] args) => BerthWithInput(null, args);

    private Task<CommandResult> BerthWithInput(string? stdin, params string[] args) =>
        ProcessRunner.RunAsync(BerthDaemon.BerthPath, args,
            new Dictionary<string, string> { ["BERTH_HOST"] = env.Dockerd!.Host, ["DOCKER_CONFIG"] = _berthConfig, ["BERTH_CONFIG"] = "" },
            stdin is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(stdin)), TimeSpan.FromMinutes(3));

    private Task<CommandResult> Docker(params string[] args) => DockerWithInput(null, args);

    private Task<CommandResult> DockerWithInput(string? stdin, params string[] args) =>
        ProcessRunner.RunAsync(BerthDaemon.DockerCli!, args,
            new Dictionary<string, string> { ["DOCKER_HOST"] = env.Dockerd!.Host, ["DOCKER_CONFIG"] = _dockerConfig },
            stdin is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(stdin)), TimeSpan.FromMinutes(3));

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Puts busybox into a registry as REF with the docker CLI, and removes it from dockerd.</summary>
    private async Task<string> SeedAsync(RegistryServer registry, string repo)
    {
        var reference = $"{registry.Address}/{repo}:v1";
        Assert.Equal(0, (await Docker("tag", "busybox:latest", reference)).ExitCode);
        var pushed = await Docker("push", reference);
        Assert.True(pushed.ExitCode == 0, pushed.ToString());
        Assert.Equal(0, (await Docker("rmi", reference)).ExitCode);
        return reference;
    }

    [Fact]
    public async Task PushRmiPullRun()
    {
        var repo = $"{env.Plain!.Address}/{Unique("it/round")}";
        Assert.Equal(0, (await Berth("tag", "busybox:latest", repo + ":v1")).ExitCode);

        var push = await Berth("push", repo + ":v1");
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.StartsWith($"The push refers to repository [{repo}]\n", push.Stdout);
        Assert.Matches(@"\n[0-9a-f]{12}: (Pushed|Layer already exists|Mounted from .+)\n", push.Stdout);
        Assert.Matches(@"\nv1: digest: sha256:[0-9a-f]{64} size: \d+\n$", push.Stdout);

        Assert.Equal(0, (await Berth("rmi", repo + ":v1")).ExitCode);
        var pull = await Berth("pull", repo + ":v1");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.StartsWith("v1: Pulling from " + repo[(env.Plain.Address.Length + 1)..] + "\n", pull.Stdout);
        Assert.EndsWith($"\nStatus: Downloaded newer image for {repo}:v1\n{repo}:v1\n", pull.Stdout);
        Assert.Equal("", pull.Stderr);

        // The same pull again reads as docker's does, line for line.
        var again = await Berth("pull", repo + ":v1");
        Assert.Equal(await Docker("pull", repo + ":v1"), again);

        var run = await Berth("run", "--rm", repo + ":v1", "echo", "hi");
        Assert.Equal(new CommandResult(0, "hi\n", ""), run);

        var quiet = await Berth("pull", "-q", repo + ":v1");
        Assert.Equal(new CommandResult(0, repo + ":v1\n", ""), quiet);
        var quietPush = await Berth("push", "-q", repo + ":v1");
        Assert.Equal(new CommandResult(0, repo + ":v1\n", ""), quietPush);
    }

    [Fact]
    public async Task RunAndCreatePullAMissingImage()
    {
        var reference = await SeedAsync(env.Plain!, Unique("it/missing"));

        var never = await Berth("run", "--pull", "never", "--rm", reference, "true");
        Assert.Equal(125, never.ExitCode);
        Assert.Equal($"berth: Error response from daemon: No such image: {reference}\n\nRun 'berth run --help' for more information\n", never.Stderr);
        var createNever = await Berth("create", "--pull", "never", reference);
        Assert.Equal(new CommandResult(1, "", $"Error response from daemon: No such image: {reference}\n"), createNever);
        var bogus = await Berth("run", "--pull", "bogus", reference);
        Assert.Equal(125, bogus.ExitCode);
        Assert.StartsWith("berth: invalid pull option: 'bogus': must be one of \"always\", \"missing\" or \"never\"", bogus.Stderr);

        var run = await Berth("run", "--rm", reference, "echo", "hi");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hi\n", run.Stdout);
        Assert.StartsWith($"Unable to find image '{reference}' locally\n", run.Stderr);
        Assert.EndsWith($"\nStatus: Downloaded newer image for {reference}\n", run.Stderr);

        var always = await Berth("run", "--pull", "always", "--rm", reference, "echo", "again");
        Assert.Equal("again\n", always.Stdout);
        Assert.Contains($"Status: Image is up to date for {reference}\n", always.Stderr);
        Assert.DoesNotContain("Unable to find image", always.Stderr);

        var unknown = $"{env.Plain!.Address}/{Unique("it/none")}:v1";
        var failed = await Berth("run", "--rm", unknown, "true");
        Assert.Equal(125, failed.ExitCode);
        Assert.StartsWith($"Unable to find image '{unknown}' locally\nberth: Error response from daemon: manifest for {unknown} not found", failed.Stderr);
    }

    [Theory]
    [InlineData("pull", "{reg}/it/absent")]
    [InlineData("pull", "{reg}/it/absent:v9")]
    [InlineData("pull", "-q", "{reg}/it/absent:v9")]
    [InlineData("pull", "-a", "{reg}/it/absent:v9")]
    [InlineData("pull", "Upper/Case")]
    [InlineData("push", "{reg}/it/not-here:v1")]
    [InlineData("push", "-a", "{reg}/it/not-here:v1")]
    [InlineData("push", "{reg}/it/not-here")]
    public async Task ErrorsReadAsDockers(params string[] args)
    {
        args = args.Select(a => a.Replace("{reg}", env.Plain!.Address)).ToArray();
        var docker = await Docker(args);
        var berth = await Berth(args);
        Assert.Equal(docker.ExitCode, berth.ExitCode);
        Assert.Equal(docker.Stdout, berth.Stdout);
        Assert.Equal(docker.Stderr.Replace("docker", "berth"), berth.Stderr);
    }

    [Fact]
    public async Task LoginPushPullLogoutWithHtpasswd()
    {
        var registry = env.Secured!.Address;
        var reference = $"{registry}/{Unique("it/private")}:v1";
        Assert.Equal(0, (await Berth("tag", "busybox:latest", reference)).ExitCode);

        var denied = await Berth("push", reference);
        Assert.Equal(1, denied.ExitCode);
        Assert.Contains("no basic auth credentials", denied.Stderr);

        var wrong = await Berth("login", "-u", "user", "-p", "wrong", registry);
        Assert.Equal(await Docker("login", "-u", "user", "-p", "wrong", registry), wrong);
        Assert.False(File.Exists(Path.Combine(_berthConfig, "config.json")));

        var noTty = await Berth("login", registry);
        Assert.Equal(new CommandResult(1, "", "Error: Cannot perform an interactive login from a non TTY device\n"), noTty);

        var login = await BerthWithInput("pass\n", "login", "-u", "user", "--password-stdin", "http://" + registry + "/v2/");
        var dockerLogin = await DockerWithInput("pass\n", "login", "-u", "user", "--password-stdin", "http://" + registry + "/v2/");
        Assert.Equal(dockerLogin.ExitCode, login.ExitCode);
        Assert.Equal("Login Succeeded\n", login.Stdout);
        Assert.Equal(dockerLogin.Stderr.Replace(_dockerConfig, _berthConfig), login.Stderr);
        // Same file, byte for byte, as the docker CLI writes.
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(_dockerConfig, "config.json"), TestContext.Current.CancellationToken),
            await File.ReadAllTextAsync(Path.Combine(_berthConfig, "config.json"), TestContext.Current.CancellationToken));

        var stored = await Berth("login", registry);
        Assert.Equal(0, stored.ExitCode);
        Assert.Equal("Login Succeeded\n", stored.Stdout);
        Assert.StartsWith("Authenticating with existing credentials... [Username: user]\n", stored.Stderr);

        var push = await Berth("push", reference);
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Equal(0, (await Berth("rmi", reference)).ExitCode);
        var pull = await Berth("pull", reference);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.EndsWith($"\n{reference}\n", pull.Stdout);

        var logout = await Berth("logout", registry);
        Assert.Equal(new CommandResult(0, $"Removing login credentials for {registry}\n", ""), logout);
        Assert.Equal("{\n\t\"auths\": {}\n}", await File.ReadAllTextAsync(Path.Combine(_berthConfig, "config.json"), TestContext.Current.CancellationToken));
        Assert.Equal(0, (await Berth("rmi", reference)).ExitCode);
        var afterLogout = await Berth("pull", reference);
        Assert.Equal(1, afterLogout.ExitCode);
        Assert.Contains("no basic auth credentials", afterLogout.Stderr);
    }
}
