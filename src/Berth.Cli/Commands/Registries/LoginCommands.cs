using Berth.Cli.App;
using Berth.Cli.Auth;
using Berth.Core.CommandLine;
using Berth.EngineApi.Client;
using Berth.EngineApi.Models;

namespace Berth.Cli.Commands.Registries;

/// <summary>
/// login and logout (docker's cli/command/registry): the daemon checks the credentials with
/// the registry (POST /auth); the CLI keeps them in config.json for later pulls and pushes.
/// </summary>
public static class LoginCommands
{
    public static CommandSpec Login { get; } = new("login", "login [OPTIONS] [SERVER]",
        "Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.",
        f => f.String("username", 'u', "Username").String("password", 'p', "Password or Personal Access Token (PAT)")
              .Bool("password-stdin", null, "Take the Password or Personal Access Token (PAT) from stdin"),
        0, 1, LoginAsync);

    public static CommandSpec Logout { get; } = new("logout", "logout [SERVER]",
        "Log out from a registry.\nIf no server is specified, the default is defined by the daemon.",
        _ => { }, 0, 1, LogoutAsync);

    private static async Task<int> LoginAsync(CommandContext ctx, FlagSet flags)
    {
        var user = flags.GetString("username")?.Trim() ?? "";
        var password = flags.GetString("password") ?? "";
        if (password.Length > 0)
        {
            ctx.Err.WriteLine("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
            if (flags.GetBool("password-stdin"))
            {
                ctx.Err.WriteLine("conflicting options: cannot specify both --password and --password-stdin");
                return 1;
            }
        }
        if (flags.GetBool("password-stdin"))
        {
            if (user.Length == 0)
            {
                ctx.Err.WriteLine("the --password-stdin option requires --username to be set");
                return 1;
            }
            using var reader = new StreamReader(ctx.StdinStream, leaveOpen: true);
            password = (await reader.ReadToEndAsync(ctx.CancellationToken).ConfigureAwait(false)).TrimSuffix("\n").TrimSuffix("\r");
        }
        var server = ServerAddress.ForLogin(flags.Positionals.Count > 0 ? flags.Positionals[0] : null);
        var config = ClientConfig.Load(ctx.ConfigDirectory);

        var stored = new AuthConfig { ServerAddress = server };
        if (user.Length == 0 && password.Length == 0)
        {
            try
            {
                stored = CredentialStore.Get(config, server);
            }
            catch (ClientConfigException)
            {
                // Unreadable stored credentials: ask for new ones, as docker does.
            }
            if (stored is { Username.Length: > 0, Password.Length: > 0 } && await LoginWithStoredAsync(ctx, config, stored).ConfigureAwait(false) is { } status)
            {
                PrintStatus(ctx, status);
                return 0;
            }
        }

        if ((user.Length == 0 || password.Length == 0) && Console.IsInputRedirected)
        {
            ctx.Err.WriteLine("Error: Cannot perform an interactive login from a non TTY device");
            return 1;
        }
        if (user.Length == 0)
        {
            var suggested = stored.Username?.Trim() ?? "";
            user = CredentialPrompt.ReadLine(ctx, suggested.Length == 0 ? "Username: " : $"Username ({suggested}): ", echo: true).Trim();
            if (user.Length == 0) user = suggested;
            if (user.Length == 0)
            {
                ctx.Err.WriteLine("Error: Non-null Username Required");
                return 1;
            }
        }
        if (password.Trim().Length == 0)
        {
            password = CredentialPrompt.ReadLine(ctx, "Password: ", echo: false).Trim();
            ctx.Out.WriteLine();
            if (password.Length == 0)
            {
                ctx.Err.WriteLine("Error: Password Required");
                return 1;
            }
        }
        var auth = new AuthConfig { Username = user, Password = password, ServerAddress = server };
        var response = await ctx.Client.LoginAsync(auth, ctx.CancellationToken).ConfigureAwait(false);
        Save(ctx, config, WithToken(auth, response));
        PrintStatus(ctx, response.Status);
        return 0;
    }

    /// <summary>Tries the stored credentials; returns the daemon's status, or null (after saying why) to ask for new ones.</summary>
    private static async Task<string?> LoginWithStoredAsync(CommandContext ctx, ClientConfig config, AuthConfig stored)
    {
        ctx.Err.Write($"Authenticating with existing credentials... [Username: {stored.Username}]\n\n");
        ctx.Err.Write($" Info -> To login with a different account, run '{CommandContext.Program} logout' followed by '{CommandContext.Program} login'\n\n\n");
        AuthResponse response;
        try
        {
            response = await ctx.Client.LoginAsync(stored, ctx.CancellationToken).ConfigureAwait(false);
        }
        catch (EngineApiException e)
        {
            ctx.Err.Write(e.StatusCode == 401 ? "Stored credentials invalid or expired\n" : $"Login did not succeed, error: {CommandContext.Describe(e)}\n");
            return null;
        }
        Save(ctx, config, WithToken(stored, response));
        return response.Status;
    }

    /// <summary>A registry that hands out an identity token gets that token stored instead of the password.</summary>
    private static AuthConfig WithToken(AuthConfig auth, AuthResponse response) =>
        response.IdentityToken is { Length: > 0 } token ? auth with { Password = null, IdentityToken = token } : auth;

    private static void Save(CommandContext ctx, ClientConfig config, AuthConfig auth)
    {
        bool inClear;
        try
        {
            inClear = CredentialStore.Store(config, auth);
        }
        catch (ClientConfigException e)
        {
            throw new ClientConfigException("saving credentials: " + e.Message, e);
        }
        if (inClear)
        {
            ctx.Err.WriteLine($"\nWARNING! Your credentials are stored unencrypted in '{config.FilePath}'.\n" +
                              "Configure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n");
        }
    }

    private static void PrintStatus(CommandContext ctx, string status)
    {
        if (status.Length > 0) ctx.Out.WriteLine(status);
    }

    private static Task<int> LogoutAsync(CommandContext ctx, FlagSet flags)
    {
        var argument = flags.Positionals.Count > 0 ? flags.Positionals[0] : null;
        var server = ServerAddress.ForLogin(argument);
        // docker also tries the spellings older clients filed credentials under.
        string[] keys = server == ServerAddress.IndexServer
            ? [ServerAddress.IndexServer]
            : [argument!, server, "http://" + server, "https://" + server];
        ctx.Out.WriteLine($"Removing login credentials for {server}");
        var config = ClientConfig.Load(ctx.ConfigDirectory);
        var errors = new List<string>();
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            try
            {
                CredentialStore.Erase(config, key);
            }
            catch (ClientConfigException e)
            {
                errors.Add($"{key}: {e.Message}");
            }
        }
        if (errors.Count == keys.Distinct(StringComparer.Ordinal).Count())
        {
            ctx.Err.WriteLine("WARNING: could not erase credentials:");
            errors.ForEach(ctx.Err.WriteLine);
        }
        return Task.FromResult(0);
    }

    private static string TrimSuffix(this string s, string suffix) => s.EndsWith(suffix, StringComparison.Ordinal) ? s[..^suffix.Length] : s;
}
