using System.Text;
using System.Text.RegularExpressions;
using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Distribution;

/// <summary>The registry setups of the matrix: server × transport × authentication.</summary>
public enum MatrixSetup
{
    DistributionHttp,
    DistributionHttpsHtpasswd,
    BerthHttp,
    BerthHttpsHtpasswd,
    BerthHttpsToken,
}

/// <summary>
/// One berthd (trusting the test CA through --registry-certs-dir), the PKI and the htpasswd file
/// shared by every case; each case starts its own registry, on its own port.
/// </summary>
public sealed class RegistryMatrixFixture : IAsyncLifetime
{
    public const string User = "matrix";
    public const string Password = "m4trix-pass";

    public string Work { get; } = Path.Combine("/tmp", "regmatrix-" + Guid.NewGuid().ToString("N")[..8]);
    public string CertsDir => Path.Combine(Work, "certs.d");
    public TestPki Pki { get; private set; } = null!;
    public string Htpasswd { get; private set; } = null!;
    public BerthDaemon Daemon { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Pki = TestPki.Create(Path.Combine(Work, "pki"));
        Htpasswd = await TestPki.WriteHtpasswdAsync(Path.Combine(Work, "htpasswd"), User, Password);
        Directory.CreateDirectory(CertsDir);
        Daemon = new BerthDaemon();
        Daemon.ExtraArgs.AddRange(["--registry-certs-dir", CertsDir]);
        await Daemon.StartAsync();
        await Daemon.ImportBusyboxAsync("busybox:latest");
    }

    public async ValueTask DisposeAsync()
    {
        await Daemon.DisposeAsync();
        await Cleanup.RemoveTreeAsync(Work, cgroupParent: null);
    }

    public async Task<RegistryServer> StartAsync(MatrixSetup setup)
    {
        var registry = setup switch
        {
            MatrixSetup.DistributionHttp => await RegistryServer.StartDistributionAsync(),
            MatrixSetup.DistributionHttpsHtpasswd => await RegistryServer.StartDistributionAsync(Pki.Security(Htpasswd)),
            MatrixSetup.BerthHttp => await RegistryServer.StartBerthAsync(),
            MatrixSetup.BerthHttpsHtpasswd => await RegistryServer.StartBerthAsync(Pki.Security(Htpasswd)),
            MatrixSetup.BerthHttpsToken => await RegistryServer.StartBerthAsync(Pki.Security(),
                await TokenAuthConfig.WriteAsync(Path.Combine(Work, $"token-{Guid.NewGuid():N}.yml"), Htpasswd)),
            _ => throw new ArgumentOutOfRangeException(nameof(setup)),
        };
        // berthd makes a registry's HTTP client (with its certs.d roots) on first contact, and the
        // port is new: the CA is in place before the first request, no restart needed.
        if (registry.Tls)
        {
            Directory.CreateDirectory(Path.Combine(CertsDir, registry.Address));
            File.Copy(Pki.CaCertificatePath, Path.Combine(CertsDir, registry.Address, "ca.crt"), overwrite: true);
        }
        return registry;
    }
}

/// <summary>
/// The registry × client matrix (issue 4): distribution and berth-registry, over plain HTTP and
/// over HTTPS with htpasswd or token auth, each driven by the berth CLI and by the docker CLI
/// through berthd: login (a wrong password refused), push, rmi, pull, run.
/// </summary>
public sealed class RegistryMatrixTests(RegistryMatrixFixture fixture) : IClassFixture<RegistryMatrixFixture>
{
    public static TheoryData<MatrixSetup, string> Cases()
    {
        var data = new TheoryData<MatrixSetup, string>();
        foreach (var setup in Enum.GetValues<MatrixSetup>())
            foreach (var client in new[] { "berth", "docker" })
                data.Add(setup, client);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PushRmiPullAndRun(MatrixSetup setup, string client)
    {
        var daemon = fixture.Daemon;
        Task<CommandResult> Cli(string? stdin, params string[] args)
        {
            var input = stdin is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(stdin));
            return client == "berth" ? daemon.BerthWithInput(input, args) : daemon.DockerWithInput(input, args);
        }

        await using var registry = await fixture.StartAsync(setup);
        var authenticated = setup is not (MatrixSetup.DistributionHttp or MatrixSetup.BerthHttp);
        var tag = $"{client}-{setup.ToString().ToLowerInvariant()}";
        var image = $"{registry.Address}/matrix/{tag}:v1";
        Ok(await Cli(null, "tag", "busybox:latest", image));
        try
        {
            if (authenticated)
            {
                var anonymous = await Cli(null, "push", image);
                Assert.True(anonymous.ExitCode != 0, "anonymous push: " + anonymous);

                var wrong = await Cli("wrong-pass\n", "login", "-u", RegistryMatrixFixture.User, "--password-stdin", registry.Address);
                Assert.True(wrong.ExitCode != 0, "wrong password: " + wrong);
                Assert.Contains("401 Unauthorized", wrong.Stderr);

                var login = Ok(await Cli(RegistryMatrixFixture.Password + "\n", "login", "-u", RegistryMatrixFixture.User, "--password-stdin", registry.Address));
                Assert.Contains("Login Succeeded", login.Stdout);
            }

            var push = Ok(await Cli(null, "push", image));
            var digest = Regex.Match(push.Stdout, @"v1: digest: (sha256:[0-9a-f]{64}) size: \d+").Groups[1].Value;
            Assert.True(digest.Length > 0, "no digest in push output: " + push);

            Ok(await Cli(null, "rmi", image));
            var pull = Ok(await Cli(null, "pull", image));
            Assert.Contains($"Digest: {digest}", pull.Stdout);
            Assert.Contains($"Status: Downloaded newer image for {image}", pull.Stdout);

            var run = Ok(await Cli(null, "run", "--rm", image, "echo", "matrix", tag));
            Assert.Equal($"matrix {tag}\n", run.Stdout);
        }
        finally
        {
            await Cli(null, "rmi", image);
            if (authenticated) await Cli(null, "logout", registry.Address);
        }
    }
}
