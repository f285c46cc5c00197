using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Berth.EngineApi.Models;

namespace Berth.Cli.Auth;

/// <summary>
/// Where one server's credentials live: in config.json itself, or in a docker credential helper
/// (<c>docker-credential-NAME</c>) named by credHelpers/credsStore, the docker CLI's
/// GetCredentialsStore. Errors are <see cref="ClientConfigException"/>.
/// </summary>
public static class CredentialStore
{
    /// <summary>The stored credentials for <paramref name="server"/>; only ServerAddress set when there are none.</summary>
    public static AuthConfig Get(ClientConfig config, string server)
    {
        if (config.CredentialHelper(server) is { } helper)
        {
            return HelperGet(helper, server);
        }
        return config.GetAuth(server) ?? new AuthConfig { ServerAddress = server };
    }

    /// <summary>
    /// Stores credentials and saves the file. Returns true when a password was written into
    /// config.json in clear (the caller warns, as docker does); unchanged credentials are not rewritten.
    /// </summary>
    public static bool Store(ClientConfig config, AuthConfig auth)
    {
        var server = auth.ServerAddress!;
        if (config.CredentialHelper(server) is { } helper)
        {
            var secret = auth.IdentityToken is { Length: > 0 } token ? token : auth.Password ?? "";
            var username = auth.IdentityToken is { Length: > 0 } ? "<token>" : auth.Username ?? "";
            RunHelper(helper, "store", Payload(server, username, secret), "error storing credentials");
            config.SetHelperEntry(server);
            config.Save();
            return false;
        }
        if (config.HasExactKey(server) && config.GetAuth(server) == auth)
        {
            return false;
        }
        config.SetAuth(auth);
        config.Save();
        return !string.IsNullOrEmpty(auth.Password);
    }

    /// <summary>Removes the credentials for <paramref name="server"/>; false when none were stored.</summary>
    public static bool Erase(ClientConfig config, string server)
    {
        if (config.CredentialHelper(server) is { } helper)
        {
            // docker asks the helper even when config.json has no entry; a helper that knows nothing fails.
            RunHelper(helper, "erase", server, "error erasing credentials");
        }
        if (!config.RemoveAuth(server))
        {
            return false;
        }
        config.Save();
        return true;
    }

    private static AuthConfig HelperGet(string helper, string server)
    {
        string output;
        try
        {
            output = RunHelper(helper, "get", server, "error getting credentials");
        }
        catch (ClientConfigException e) when (e.Message.Contains("credentials not found", StringComparison.Ordinal))
        {
            return new AuthConfig { ServerAddress = server };
        }
        using var doc = JsonDocument.Parse(output);
        string Field(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        var user = Field("Username");
        var secret = Field("Secret");
        return user == "<token>"
            ? new AuthConfig { ServerAddress = server, IdentityToken = secret }
            : new AuthConfig { ServerAddress = server, Username = user, Password = secret };
    }

    private static string Payload(string server, string username, string secret)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("ServerURL", server);
            writer.WriteString("Username", username);
            writer.WriteString("Secret", secret);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Runs <c>docker-credential-HELPER ACTION</c> with <paramref name="input"/> on stdin; returns its stdout.</summary>
    private static string RunHelper(string helper, string action, string input, string failure)
    {
        var program = "docker-credential-" + helper;
        var start = new ProcessStartInfo(program, action)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ClientConfigException($"{failure} - err: cannot start {program}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new ClientConfigException($"{failure} - err: exec: \"{program}\": executable file not found in $PATH, out: ``");
        }
        using (process)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new ClientConfigException($"{failure} - err: exit status {process.ExitCode}, out: `{stdout.Trim()}`");
            }
            return stdout;
        }
    }
}
