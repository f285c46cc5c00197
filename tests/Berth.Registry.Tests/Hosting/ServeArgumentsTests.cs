using Berth.Registry.Hosting;
using Berth.Registry.Observability;
using Xunit;

namespace Berth.Registry.Tests.Hosting;

public sealed class ServeArgumentsTests : IDisposable
{
    private readonly string _dir = TestRegistry.NewDir();
    private readonly List<string> _warnings = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private RegistryServerOptions Parse(params string[] args) => ServeArguments.Parse(args, _warnings.Add);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void DefaultsAreDistributionLike()
    {
        var options = Parse();
        Assert.Equal("127.0.0.1:5000", options.Endpoint.ToString());
        Assert.Equal(AuthMode.None, options.Auth);
        Assert.Null(options.Tls);
        Assert.Null(options.MaxUploadSize);
        Assert.False(options.ReadOnly);
        Assert.Equal(RegistryLogLevel.Info, options.LogLevel);
        Assert.Null(options.MetricsEndpoint);
    }

    [Fact]
    public void FlagsAreParsed()
    {
        var cert = Write("cert.pem", "x");
        var key = Write("key.pem", "x");
        var htpasswd = Write("htpasswd", "");
        var options = Parse("--addr=0.0.0.0:5443", "--root", _dir, "--tls-cert", cert, "--tls-key", key, "--htpasswd", htpasswd,
            "--max-upload-size", "512M", "--read-only", "--delete", "--log-level", "debug", "--metrics-addr", "127.0.0.1:5001");
        Assert.Equal("0.0.0.0:5443", options.Endpoint.ToString());
        Assert.Equal(_dir, options.Root);
        Assert.Equal(new TlsFiles(cert, key), options.Tls);
        Assert.Equal(AuthMode.Htpasswd, options.Auth);
        Assert.Equal(htpasswd, options.HtpasswdPath);
        Assert.Equal(512L << 20, options.MaxUploadSize);
        Assert.True(options.ReadOnly);
        Assert.True(options.DeleteEnabled);
        Assert.Equal(RegistryLogLevel.Debug, options.LogLevel);
        Assert.Equal("127.0.0.1:5001", options.MetricsEndpoint!.ToString());
        Assert.False(Parse("--read-only=false").ReadOnly);
        Assert.Equal("0.0.0.0:5000", Parse("--addr", ":5000").Endpoint.ToString());
    }

    [Fact]
    public void ConfigFileIsReadAndFlagsOverrideIt()
    {
        Write("htpasswd", "");
        Write("token.pem", "");
        var config = Write("config.yml", """
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            http:
              addr: 127.0.0.1:6000
              maxuploadsize: 1G
              debug:
                addr: 127.0.0.1:6001
                prometheus:
                  enabled: true
                  path: /m
            storage:
              filesystem:
                rootdirectory: data
              delete:
                enabled: true
              maintenance:
                readonly:
                  enabled: true
                uploadpurging:
                  enabled: false
            auth:
              htpasswd:
                realm: my realm
                path: htpasswd
              token:
                realm: https://registry.example/auth/token
                service: registry.example
                issuer: example-issuer
                expiration: 10m
                signingkey: token.pem
                anonymouspull: true
                access:
                  - account: alice
                    repository: "alice/*"
                    actions: [pull, push, delete]
                  - account: "*"
                    catalog: true
                    actions: [pull]
            """);
        var options = Parse("--config", config);
        Assert.Equal("127.0.0.1:6000", options.Endpoint.ToString());
        Assert.Equal(Path.Combine(_dir, "data"), options.Root);
        Assert.Equal(RegistryLogLevel.Warn, options.LogLevel);
        Assert.False(options.AccessLog);
        Assert.Equal(1L << 30, options.MaxUploadSize);
        Assert.Equal("127.0.0.1:6001", options.MetricsEndpoint!.ToString());
        Assert.Equal("/m", options.MetricsPath);
        Assert.True(options.DeleteEnabled);
        Assert.True(options.ReadOnly);
        Assert.Equal(AuthMode.Token, options.Auth);
        Assert.Equal(Path.Combine(_dir, "htpasswd"), options.HtpasswdPath);
        Assert.Equal("my realm", options.BasicRealm);
        var token = options.Token;
        Assert.Equal("https://registry.example/auth/token", token.Realm);
        Assert.Equal("registry.example", token.Service);
        Assert.Equal("example-issuer", token.Issuer);
        Assert.Equal(TimeSpan.FromMinutes(10), token.Expiration);
        Assert.Equal(Path.Combine(_dir, "token.pem"), token.SigningKeyPath);
        Assert.True(token.AnonymousPull);
        Assert.Equal(2, token.Rules.Count);
        Assert.Equal(["pull", "push", "delete"], token.Rules[0].Actions);
        Assert.Equal("alice/*", token.Rules[0].Repository);
        Assert.True(token.Rules[1].Catalog);
        Assert.Contains(_warnings, w => w.Contains("storage.maintenance.uploadpurging"));

        // Flags win wherever --config stands.
        var overridden = Parse("--addr", "127.0.0.1:7000", "--config", config, "--log-level", "error", "--auth", "htpasswd", "--read-only=false");
        Assert.Equal("127.0.0.1:7000", overridden.Endpoint.ToString());
        Assert.Equal(RegistryLogLevel.Error, overridden.LogLevel);
        Assert.Equal(AuthMode.Htpasswd, overridden.Auth);
        Assert.False(overridden.ReadOnly);
    }

    [Theory]
    [InlineData("unknown flag: --bogus", "--bogus")]
    [InlineData("flag needs an argument: --addr", "--addr")]
    [InlineData("--addr: invalid address \"nope\"", "--addr", "nope")]
    [InlineData("--max-upload-size: invalid size \"lots\"", "--max-upload-size", "lots")]
    [InlineData("--log-level: invalid log level \"loud\"", "--log-level", "loud")]
    [InlineData("--auth: \"ldap\" is not one of none, htpasswd, token", "--auth", "ldap")]
    [InlineData("--tls-cert and --tls-key must be given together", "--tls-cert", "/etc/hostname")]
    [InlineData("--auth htpasswd needs --htpasswd FILE", "--auth", "htpasswd")]
    [InlineData("htpasswd file /nonexistent/htpasswd does not exist", "--htpasswd", "/nonexistent/htpasswd")]
    [InlineData("unexpected argument \"extra\"", "extra")]
    public void BadFlagsAreNamed(string message, params string[] args)
    {
        var error = Assert.Throws<FormatException>(() => Parse(args));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("http:\n  adr: 1.2.3.4:5\n", "http.adr: unknown key")]
    [InlineData("http:\n  addr: [1\n", "line")]
    [InlineData("storage:\n  s3:\n    bucket: b\n", "storage.s3: storage driver \"s3\" is not supported")]
    [InlineData("storage:\n  delete:\n    enabled: maybe\n", "storage.delete.enabled: invalid boolean \"maybe\"")]
    [InlineData("http:\n  tls:\n    certificate: c.pem\n", "http.tls: needs both certificate and key")]
    [InlineData("auth:\n  token:\n    access:\n      - repository: x\n", "auth.token.access[0]: needs an account")]
    [InlineData("auth:\n  token:\n    access:\n      - account: a\n        actions: [pul]\n", "unknown action \"pul\"")]
    [InlineData("auth:\n  token:\n    realm: /auth/token\n", "auth.token.realm: \"/auth/token\" is not an absolute http(s) URL")]
    [InlineData("- a\n- b\n", "(top level): expected a mapping")]
    public void BadConfigIsNamed(string yaml, string message)
    {
        var config = Write("bad.yml", yaml);
        var error = Assert.Throws<FormatException>(() => Parse("--config", config));
        Assert.StartsWith($"config {config}: ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void MissingConfigFileIsNamed()
    {
        var error = Assert.Throws<FormatException>(() => Parse("--config", Path.Combine(_dir, "none.yml")));
        Assert.Contains("none.yml", error.Message);
    }

    [Fact]
    public async Task UsageErrorsExitWithTwo()
    {
        Assert.Equal(2, await RegistryCommand.RunAsync(["serve", "--bogus"]));
        Assert.Equal(2, await RegistryCommand.RunAsync(["frobnicate"]));
        Assert.Equal(0, await RegistryCommand.RunAsync(["serve", "--help"]));
    }
}
