using Berth.Core.CommandLine;
using Berth.Registry.Observability;

namespace Berth.Registry.Hosting;

/// <summary>
/// The flags of <c>berth-registry serve</c>. The config file (<c>--config</c>) is read first and
/// every flag given overrides it, wherever <c>--config</c> stands on the line.
/// </summary>
public static class ServeArguments
{
    public const string Help = """
        usage: berth-registry serve [OPTIONS]

        Serves the OCI distribution API (docker registry v2).

        options:
          --addr HOST:PORT          listen address (default 127.0.0.1:5000)
          --root DIR                storage directory (default ./registry)
          --config FILE             YAML config file (distribution's config.yml layout); flags override it
          --tls-cert FILE           PEM certificate (chain): serve HTTPS; needs --tls-key
          --tls-key FILE            PEM private key of --tls-cert
          --auth MODE               none, htpasswd or token (default: from the config file, else none)
          --htpasswd FILE           htpasswd file with bcrypt entries (htpasswd -B); implies --auth htpasswd
          --max-upload-size BYTES   refuse blobs larger than this (suffixes K, M, G, T)
          --read-only               maintenance mode: pulls only, writes answer 405
          --delete                  allow deleting manifests and blobs
          --metrics-addr HOST:PORT  serve Prometheus metrics at /metrics on a separate listener
          --log-level LEVEL         error, warn, info (default) or debug
          -h, --help                show this help

        other commands:
          berth-registry garbage-collect --root DIR [--dry-run] [--delete-untagged]
        """;

    /// <summary>Options from the arguments after "serve"; FormatException names the problem (exit code 2).</summary>
    /// <remarks>Parsed with pflag's semantics (<see cref="FlagSet"/>), as distribution's own <c>registry serve</c> is.</remarks>
    public static RegistryServerOptions Parse(IReadOnlyList<string> args, Action<string> warn)
    {
        // The help texts are in Help.
        var flags = new FlagSet()
            .String("addr", null, "").String("root", null, "").String("config", null, "")
            .String("tls-cert", null, "").String("tls-key", null, "").String("auth", null, "").String("htpasswd", null, "")
            .String("max-upload-size", null, "").Bool("read-only", null, "").Bool("delete", null, "")
            .String("metrics-addr", null, "").String("log-level", null, "");
        try
        {
            flags.Parse(args);
        }
        catch (UsageException e)
        {
            throw new FormatException(e.Message, e);
        }
        if (flags.Positionals is [var extra, ..]) throw new FormatException($"unexpected argument \"{extra}\"");
        string? Flag(string name) => flags.Changed(name) ? flags.GetString(name) : null;

        var options = new RegistryServerOptions(
            RegistryServerOptions.ParseAddress(RegistryServerOptions.DefaultAddress), Path.Combine(Environment.CurrentDirectory, "registry"));
        if (Flag("config") is { } config)
            options = RegistryConfigFile.Apply(options, config, warn);

        if (Flag("addr") is { } addr) options = options with { Endpoint = Checked("--addr", addr, RegistryServerOptions.ParseAddress) };
        if (Flag("root") is { } root) options = options with { Root = Path.GetFullPath(root) };
        if (Flag("htpasswd") is { } htpasswd) options = options with { HtpasswdPath = Path.GetFullPath(htpasswd) };
        if (Flag("max-upload-size") is { } size) options = options with { MaxUploadSize = Checked("--max-upload-size", size, Units.ParseSize) };
        if (flags.Changed("read-only")) options = options with { ReadOnly = flags.GetBool("read-only") };
        if (flags.Changed("delete")) options = options with { DeleteEnabled = flags.GetBool("delete") };
        if (Flag("metrics-addr") is { } metrics) options = options with { MetricsEndpoint = Checked("--metrics-addr", metrics, RegistryServerOptions.ParseAddress) };
        if (Flag("log-level") is { } level) options = options with { LogLevel = Checked("--log-level", level, RegistryLog.ParseLevel) };
        var auth = Flag("auth") is { } mode ? Checked("--auth", mode, ParseAuth) : (AuthMode?)null;
        var cert = Flag("tls-cert") is { } c ? Path.GetFullPath(c) : null;
        var key = Flag("tls-key") is { } k ? Path.GetFullPath(k) : null;
        if (cert is not null || key is not null)
        {
            if (cert is null || key is null) throw new FormatException("--tls-cert and --tls-key must be given together");
            options = options with { Tls = new TlsFiles(cert, key) };
        }
        if (auth is { } given) options = options with { Auth = given };
        else if (flags.Changed("htpasswd") && options.Auth == AuthMode.None) options = options with { Auth = AuthMode.Htpasswd };
        return Validate(options);
    }

    private static RegistryServerOptions Validate(RegistryServerOptions options)
    {
        if (options.Auth == AuthMode.Htpasswd && options.HtpasswdPath is null)
            throw new FormatException("--auth htpasswd needs --htpasswd FILE (or auth.htpasswd.path in the config file)");
        RequireFile(options.HtpasswdPath, "htpasswd file");
        RequireFile(options.Tls?.CertificatePath, "TLS certificate");
        RequireFile(options.Tls?.KeyPath, "TLS key");
        RequireFile(options.Token.SigningKeyPath, "token signing key");
        if (options.MaxUploadSize is <= 0) throw new FormatException("--max-upload-size must be positive");
        return options;
    }

    private static void RequireFile(string? path, string what)
    {
        if (path is not null && !File.Exists(path)) throw new FormatException($"{what} {path} does not exist");
    }

    private static AuthMode ParseAuth(string value) => value switch
    {
        "none" => AuthMode.None,
        "htpasswd" => AuthMode.Htpasswd,
        "token" => AuthMode.Token,
        _ => throw new FormatException($"\"{value}\" is not one of none, htpasswd, token"),
    };

    private static T Checked<T>(string flag, string value, Func<string, T> parse)
    {
        try
        {
            return parse(value);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{flag}: {e.Message}");
        }
    }
}
