using Xunit;
using System.Text;
using Berth.Cli.Auth;
using Berth.Core.References;
using Berth.EngineApi.Client;
using Berth.EngineApi.Models;

namespace Berth.Cli.Tests;

/// <summary>config.json, X-Registry-Auth and the server-address keys, checked against what docker CLI 28 writes and sends.</summary>
public sealed class RegistryAuthTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-cfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ConfigPath => Path.Combine(_dir, "config.json");

    [Fact]
    public void EncodesCredentialsAsDockerDoes()
    {
        Assert.Equal("e30=", EngineClient.EncodeRegistryAuth(new AuthConfig()));
        // The header docker 28 sent for `auth: base64(user:pass)` filed under 127.0.0.1:52911.
        Assert.Equal("eyJ1c2VybmFtZSI6InVzZXIiLCJwYXNzd29yZCI6InBhc3MiLCJzZXJ2ZXJhZGRyZXNzIjoiMTI3LjAuMC4xOjUyOTExIn0=",
            EngineClient.EncodeRegistryAuth(new AuthConfig { Username = "user", Password = "pass", ServerAddress = "127.0.0.1:52911" }));
        // base64url: '-' and '_' where standard base64 has '+' and '/'.
        var encoded = EngineClient.EncodeRegistryAuth(new AuthConfig { Password = "\u00ff\u00ff>?" });
        Assert.DoesNotContain('+', encoded);
        Assert.DoesNotContain('/', encoded);
        Assert.Equal("{\"password\":\"\u00ff\u00ff>?\"}", Encoding.UTF8.GetString(Convert.FromBase64String(encoded.Replace('-', '+').Replace('_', '/'))));
    }

    [Fact]
    public void HeaderForAnImageUsesTheLoginOfItsRegistry()
    {
        File.WriteAllText(ConfigPath, """{"auths":{"127.0.0.1:5000":{"auth":"dXNlcjpwYXNz"},"https://index.docker.io/v1/":{"auth":"aHViOnNlY3JldA=="}}}""");
        Assert.Equal(EngineClient.EncodeRegistryAuth(new AuthConfig { Username = "user", Password = "pass", ServerAddress = "127.0.0.1:5000" }),
            RegistryAuth.HeaderFor(_dir, ImageReference.Parse("127.0.0.1:5000/app:1"), TextWriter.Null));
        Assert.Equal(EngineClient.EncodeRegistryAuth(new AuthConfig { Username = "hub", Password = "secret", ServerAddress = ServerAddress.IndexServer }),
            RegistryAuth.HeaderFor(_dir, ImageReference.Parse("busybox"), TextWriter.Null));
        Assert.Equal("e30=", RegistryAuth.HeaderFor(_dir, ImageReference.Parse("quay.io/x/y"), TextWriter.Null));
    }

    [Fact]
    public void AnUnreadableConfigMeansNoCredentialsAndAWarning()
    {
        File.WriteAllText(ConfigPath, "{not json");
        var warnings = new StringWriter();
        Assert.Equal("e30=", RegistryAuth.HeaderFor(_dir, ImageReference.Parse("busybox"), warnings));
        Assert.StartsWith("WARNING: Error loading config file: ", warnings.ToString());
    }

    [Fact]
    public void StoringKeepsEveryOtherKeyAndWritesLikeDocker()
    {
        File.WriteAllText(ConfigPath, """
            {"psFormat": "table {{.ID}}", "credHelpers": {"gcr.io": "gcloud"}, "proxies": {"default": {"httpProxy": "http://p:3128"}},
             "auths": {"other:5000": {"auth": "YTpi", "email": "a@b"}}}
            """);
        var config = ClientConfig.Load(_dir);
        Assert.True(CredentialStore.Store(config, new AuthConfig { Username = "user", Password = "p+ss/word", ServerAddress = "127.0.0.1:5000" }));
        var text = File.ReadAllText(ConfigPath);
        Assert.Contains("\n\t\"psFormat\": \"table {{.ID}}\",", text);
        Assert.Contains("\"credHelpers\": {\n\t\t\"gcr.io\": \"gcloud\"\n\t}", text);
        Assert.Contains("\"httpProxy\": \"http://p:3128\"", text);
        Assert.Contains("\"other:5000\": {\n\t\t\t\"auth\": \"YTpi\",\n\t\t\t\"email\": \"a@b\"\n\t\t}", text);
        Assert.Contains("\"127.0.0.1:5000\": {\n\t\t\t\"auth\": \"" + Convert.ToBase64String("user:p+ss/word"u8) + "\"\n\t\t}", text);
        Assert.False(text.EndsWith('\n'));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));

        var reread = ClientConfig.Load(_dir);
        Assert.Equal(new AuthConfig { Username = "user", Password = "p+ss/word", ServerAddress = "127.0.0.1:5000" }, reread.GetAuth("127.0.0.1:5000"));
        Assert.Equal("gcloud", reread.CredentialHelper("gcr.io"));
        Assert.Null(reread.CredentialHelper("127.0.0.1:5000"));
        // The same credentials again: nothing rewritten, no second warning.
        Assert.False(CredentialStore.Store(reread, new AuthConfig { Username = "user", Password = "p+ss/word", ServerAddress = "127.0.0.1:5000" }));
    }

    [Fact]
    public void FindsLegacyKeysByHostAndErasesThem()
    {
        File.WriteAllText(ConfigPath, """{"auths":{"https://registry.example:5000/v1/":{"auth":"dTpw"},"keep":{}}, "currentContext": "x"}""");
        var config = ClientConfig.Load(_dir);
        Assert.Equal("u", config.GetAuth("registry.example:5000")?.Username);
        Assert.False(CredentialStore.Erase(config, "registry.example:5000"));
        Assert.True(CredentialStore.Erase(config, "https://registry.example:5000/v1/"));
        var text = File.ReadAllText(ConfigPath);
        Assert.DoesNotContain("registry.example", text);
        Assert.Contains("\"keep\": {}", text);
        Assert.Contains("\"currentContext\": \"x\"", text);
    }

    [Fact]
    public void AMissingOrEmptyFileIsAnEmptyConfig()
    {
        Assert.Null(ClientConfig.Load(_dir).GetAuth(ServerAddress.IndexServer));
        File.WriteAllText(ConfigPath, "");
        Assert.Null(ClientConfig.Load(_dir).GetAuth(ServerAddress.IndexServer));
        File.WriteAllText(ConfigPath, "[]");
        Assert.Throws<ClientConfigException>(() => ClientConfig.Load(_dir));
    }

    [Fact]
    public void IdentityTokensAreStoredWithoutThePassword()
    {
        var config = ClientConfig.Load(_dir);
        Assert.False(CredentialStore.Store(config, new AuthConfig { Username = "u", IdentityToken = "tok", ServerAddress = "r.example" }));
        Assert.Equal(new AuthConfig { Username = "u", Password = "", IdentityToken = "tok", ServerAddress = "r.example" }, ClientConfig.Load(_dir).GetAuth("r.example"));
    }

    [Fact]
    public void CredentialsInAHelperGoThroughItsProtocol()
    {
        // A stand-in docker-credential-test that keeps one secret in a file, as the real helpers' protocol asks.
        var bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        var helper = Path.Combine(bin, "docker-credential-berthtest");
        File.WriteAllText(helper, $"""
            #!/bin/sh
            store={_dir}/helper-store
            case "$1" in
              store) cat > "$store" ;;
              get) read server; if [ -f "$store" ]; then cat "$store"; else echo "credentials not found in native keychain"; exit 1; fi ;;
              erase) read server; rm -f "$store" ;;
            esac
            """);
        File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(ConfigPath, """{"credsStore": "berthtest"}""");
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", bin + ":" + path);
        try
        {
            var config = ClientConfig.Load(_dir);
            Assert.Equal(new AuthConfig { ServerAddress = "r.example" }, CredentialStore.Get(config, "r.example"));
            Assert.False(CredentialStore.Store(config, new AuthConfig { Username = "u", Password = "p", ServerAddress = "r.example" }));
            Assert.Contains("\"Secret\":\"p\"", File.ReadAllText(Path.Combine(_dir, "helper-store")));
            Assert.DoesNotContain("\"auth\"", File.ReadAllText(ConfigPath));
            Assert.Equal(new AuthConfig { Username = "u", Password = "p", ServerAddress = "r.example" }, CredentialStore.Get(ClientConfig.Load(_dir), "r.example"));
            Assert.True(CredentialStore.Erase(ClientConfig.Load(_dir), "r.example"));
            Assert.False(File.Exists(Path.Combine(_dir, "helper-store")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:5000", "127.0.0.1:5000")]
    [InlineData("http://127.0.0.1:5000/v2/", "127.0.0.1:5000")]
    [InlineData("https://registry.example/v1/", "registry.example")]
    [InlineData("https://registry.example:443/", "registry.example:443")]
    [InlineData("registry.example/some/path", "registry.example")]
    [InlineData("https://[::1]:5000/", "[::1]:5000")]
    public void ConvertsAddressesToHostNames(string address, string expected) =>
        Assert.Equal(expected, ServerAddress.ConvertToHostname(address));

    [Theory]
    [InlineData(null, ServerAddress.IndexServer)]
    [InlineData("docker.io", ServerAddress.IndexServer)]
    [InlineData("https://index.docker.io/v1/", ServerAddress.IndexServer)]
    [InlineData("index.docker.io", ServerAddress.IndexServer)]
    [InlineData("https://registry-1.docker.io", ServerAddress.IndexServer)]
    [InlineData("localhost:5000", "localhost:5000")]
    [InlineData("http://127.0.0.1:5000/v2/", "127.0.0.1:5000")]
    public void LoginKeys(string? argument, string expected) => Assert.Equal(expected, ServerAddress.ForLogin(argument));

    [Theory]
    [InlineData("busybox", ServerAddress.IndexServer)]
    [InlineData("user/app:1", ServerAddress.IndexServer)]
    [InlineData("docker.io/library/busybox", ServerAddress.IndexServer)]
    [InlineData("index.docker.io/user/app", ServerAddress.IndexServer)]
    [InlineData("localhost:5000/app", "localhost:5000")]
    [InlineData("ghcr.io/o/r@sha256:0123456789012345678901234567890123456789012345678901234567890123", "ghcr.io")]
    public void ImageRegistryKeys(string image, string expected) =>
        Assert.Equal(expected, ServerAddress.ForReference(ImageReference.Parse(image)));
}
