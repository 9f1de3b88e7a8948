// buildmail: a build notification that arrives, or a build page that shows why it did not.
//
// Runs `buildmail notify` from `sh`. Every parameter reaches the CLI as an environment variable
// (BUILDMAIL_<FLAG>); the shell string is a constant, so no branch name, change title or address
// is ever read by a shell. Help: vars/buildmail.txt; guide: docs/jenkins.md.

import groovy.json.JsonSlurperClassic
import groovy.transform.Field

// The step's parameters that are CLI flags, and the variable the CLI reads each from.
@Field static final Map<String, String> FLAG_VARIABLES = [
    smtpUrl           : 'BUILDMAIL_SMTP_URL',
    fallbackSmtpUrl   : 'BUILDMAIL_FALLBACK_SMTP_URL',
    username          : 'BUILDMAIL_USERNAME',
    passwordFile      : 'BUILDMAIL_PASSWORD_FILE',
    caFile            : 'BUILDMAIL_CA_FILE',
    insecureSkipVerify: 'BUILDMAIL_INSECURE_SKIP_VERIFY',
    timeout           : 'BUILDMAIL_TIMEOUT',
    retryBudget       : 'BUILDMAIL_RETRY_BUDGET',
    maxAttempts       : 'BUILDMAIL_MAX_ATTEMPTS',
    outbox            : 'BUILDMAIL_OUTBOX',
    from              : 'BUILDMAIL_FROM',
    to                : 'BUILDMAIL_TO',
    cc                : 'BUILDMAIL_CC',
    bcc               : 'BUILDMAIL_BCC',
    replyTo           : 'BUILDMAIL_REPLY_TO',
    dryRun            : 'BUILDMAIL_DRY_RUN',
    status            : 'BUILDMAIL_STATUS',
    previousStatus    : 'BUILDMAIL_PREVIOUS_STATUS',
    when              : 'BUILDMAIL_WHEN',
    log               : 'BUILDMAIL_LOG',
    logLines          : 'BUILDMAIL_LOG_LINES',
    logMatch          : 'BUILDMAIL_LOG_MATCH',
    testResults       : 'BUILDMAIL_TEST_RESULTS',
    toAuthors         : 'BUILDMAIL_TO_AUTHORS',
    authorsDomain     : 'BUILDMAIL_AUTHORS_DOMAIN',
    toRequester       : 'BUILDMAIL_TO_REQUESTER',
    priority          : 'BUILDMAIL_PRIORITY',
    attachLog         : 'BUILDMAIL_ATTACH_LOG',
    attachments       : 'BUILDMAIL_ATTACH',
    template          : 'BUILDMAIL_TEMPLATE',
    htmlTemplate      : 'BUILDMAIL_HTML_TEMPLATE',
    subject           : 'BUILDMAIL_SUBJECT',
    project           : 'BUILDMAIL_PROJECT',
    repository        : 'BUILDMAIL_REPOSITORY',
    workflow          : 'BUILDMAIL_WORKFLOW',
    runNumber         : 'BUILDMAIL_RUN_NUMBER',
    runUrl            : 'BUILDMAIL_RUN_URL',
    branch            : 'BUILDMAIL_BRANCH',
    tag               : 'BUILDMAIL_TAG',
    commit            : 'BUILDMAIL_COMMIT',
    commitUrl         : 'BUILDMAIL_COMMIT_URL',
    commitMessage     : 'BUILDMAIL_COMMIT_MESSAGE',
    author            : 'BUILDMAIL_AUTHOR',
    prNumber          : 'BUILDMAIL_PR_NUMBER',
    prTitle           : 'BUILDMAIL_PR_TITLE',
    prUrl             : 'BUILDMAIL_PR_URL',
    trigger           : 'BUILDMAIL_TRIGGER',
    duration          : 'BUILDMAIL_DURATION',
]

// The step's own parameters.
@Field static final List<String> STEP_PARAMETERS = [
    'credentialsId', 'onDeferred', 'onFailure', 'reports', 'binary',
]

@Field static final List<String> REACTIONS = ['unstable', 'failure', 'ignore']

// Where the step keeps its files, relative to the workspace.
@Field static final String DIR = '.buildmail'
@Field static final String CONSOLE = '.buildmail/console.log'
@Field static final String JSON = '.buildmail/report.json'
@Field static final String ISSUES = '.buildmail/issues.json'
@Field static final String JUNIT = '.buildmail/junit.xml'

// The only shell string the step runs: every value comes from the environment, expanded by the
// shell inside double quotes (a variable's value is never parsed as shell).
// groovylint-disable-next-line GStringExpressionWithinString
@Field static final String SCRIPT = '''set +x
mkdir -p .buildmail
"${BUILDMAIL_STEP_BINARY:-buildmail}" notify --output json > .buildmail/report.json'''

@Field static final int DEFERRED = 75

Map call(Map parameters = [:]) {
    Map options = checked(parameters)
    List<String> variables = environment(options)
    int code = withSmtpCredentials(options.credentialsId as String) {
        withEnv(variables) {
            sh(script: SCRIPT, returnStatus: true, label: 'buildmail notify')
        }
    } as int
    if (options.dryRun) {
        // A dry run prints the message instead of a report: show it, send nothing, change nothing.
        echo(readFile(JSON))
        return [status: 'dry_run', exit_code: code]
    }
    Map report = readReport(code)
    echo(describe(report))
    if (options.reports) {
        record()
    }
    react(code, report, options)
    return report
}

// The parameters with the step's defaults, after rejecting names it does not know.
Map checked(Map parameters) {
    List<String> unknown = parameters.keySet().collect { it as String }.findAll {
        !FLAG_VARIABLES.containsKey(it) && !STEP_PARAMETERS.contains(it)
    }
    if (unknown) {
        error("buildmail: unknown parameter ${unknown.join(', ')}; see vars/buildmail.txt " +
            "for the parameters (the CLI's flags in camelCase)")
    }
    Map options = [onDeferred: 'unstable', onFailure: 'failure', reports: false, logLines: 100]
    options.putAll(parameters)
    ['onDeferred', 'onFailure'].each { name ->
        if (!REACTIONS.contains(options[name] as String)) {
            error("buildmail: ${name}: '${options[name]}' is not one of ${REACTIONS.join(', ')}")
        }
    }
    if (options.status == null) {
        options.status = currentBuild.currentResult
    }
    if (options.previousStatus == null) {
        options.previousStatus = currentBuild.previousCompletedBuild?.result
    }
    if (options.log == null) {
        options.log = consoleTail(options.logLines as int)
    }
    if (options.reports) {
        options.warningsReport = ISSUES
        options.junitReport = JUNIT
    }
    return options
}

// KEY=value pairs for withEnv: the flags given, the reports, the binary.
List<String> environment(Map options) {
    List<String> variables = []
    FLAG_VARIABLES.each { name, variable ->
        def value = options[name]
        if (value != null) {
            variables << "${variable}=${text(value)}".toString()
        }
    }
    if (options.warningsReport) {
        variables << "BUILDMAIL_WARNINGS_REPORT=${options.warningsReport}".toString()
        variables << "BUILDMAIL_JUNIT_REPORT=${options.junitReport}".toString()
    }
    if (options.binary) {
        variables << "BUILDMAIL_STEP_BINARY=${options.binary}".toString()
    }
    return variables
}

// A parameter's value as the CLI reads it: lists comma-separated, booleans true/false.
static String text(value) {
    if (value instanceof Collection) { // groovylint-disable-line Instanceof
        return value.collect { it as String }.join(',')
    }
    return value as String
}

// Runs body with the SMTP user name and password of a Jenkins credential, when one is given.
def withSmtpCredentials(String credentialsId, Closure body) {
    if (!credentialsId) {
        return body()
    }
    List bindings = [usernamePassword(credentialsId: credentialsId,
        usernameVariable: 'BUILDMAIL_USERNAME', passwordVariable: 'BUILDMAIL_SMTP_PASSWORD')]
    return withCredentials(bindings) { body() }
}

// The last lines of this build's console, written to a file on the agent; null (no log in the
// mail) when the library runs sandboxed and may not read the build.
String consoleTail(int lines) {
    List<String> tail
    // Whatever refuses the read (the sandbox, a build without a log), the mail goes without it.
    try {
        tail = consoleLines(lines)
    } catch (Exception denied) { // groovylint-disable-line CatchException
        echo("buildmail: the console log is left out of the mail (${denied.class.simpleName}): " +
            'load the library as a trusted global library, or pass log: a file of your own')
        return null // groovylint-disable-line ReturnNullFromCatchBlock
    }
    writeFile(file: CONSOLE, text: tail.join('\n') + '\n')
    return CONSOLE
}

@NonCPS
List<String> consoleLines(int lines) {
    return currentBuild.rawBuild.getLog(lines).collect { it as String }
}

// The CLI's JSON report; when it printed none (it stopped before delivering), a report saying
// so, with the exit code in every case.
Map readReport(int code) {
    String json = ''
    try {
        json = readFile(JSON)
    } catch (Exception missing) { // groovylint-disable-line CatchException
        echo("buildmail: no report in ${JSON}: ${missing.message}")
    }
    Map report = json?.trim() ? parse(json) : [
        status: 'failed',
        error : [kind: 'exit', message: "buildmail exited with ${code}; see the lines above"],
    ]
    report.exit_code = code
    return report
}

@NonCPS
static Map parse(String json) {
    return new JsonSlurperClassic().parseText(json) as Map
}

// Shows the reports on the build page; a missing plugin is said, not fatal.
void record() {
    try {
        recordIssues(tools: [issues(pattern: ISSUES, id: 'buildmail', name: 'buildmail')],
            enabledForFailure: true)
    } catch (NoSuchMethodError missing) {
        echo('buildmail: reports: true needs the warnings-ng plugin for recordIssues')
    }
    try {
        junit(testResults: JUNIT, allowEmptyResults: true, skipMarkingBuildUnstable: true)
    } catch (NoSuchMethodError missing) {
        echo('buildmail: reports: true needs the junit plugin')
    }
}

// What the build shows for the exit code: UNSTABLE, FAILURE or nothing, as the user chose.
void react(int code, Map report, Map options) {
    if (code == 0) {
        return
    }
    String reaction = code == DEFERRED ? options.onDeferred : options.onFailure
    String message = "buildmail: the notification ${summary(code, report)}"
    if (reaction == 'unstable') {
        unstable(message)
    } else if (reaction == 'failure') {
        error(message)
    } else {
        echo("${message} (ignored: on${code == DEFERRED ? 'Deferred' : 'Failure'}: 'ignore')")
    }
}

// The report in the console, one line per attempt and per step of the explanation: the CLI
// prints JSON for the step, so the console gets the same facts as lines once it is done.
@NonCPS
static String describe(Map report) {
    List<String> lines = ["buildmail: ${report.status}" +
        (report.message_id ? ", Message-ID ${report.message_id}" : '')]
    report.attempts.each { Map attempt ->
        String reply = attempt.reply ?
            [attempt.reply.code, attempt.reply.enhanced, attempt.reply.text].findAll().join(' ') :
            'no reply'
        lines << "buildmail: attempt ${attempt.number} via ${attempt.server}, ${attempt.phase}: " +
            "${reply} (${attempt.outcome}, ${attempt.category})"
    }
    report.recipients.each { Map recipient ->
        lines << "buildmail: ${recipient.status}: ${recipient.address}"
    }
    if (report.explanation) {
        lines << "buildmail: ${report.explanation.title}"
        lines << "buildmail:   ${report.explanation.cause}"
        report.explanation.fix.each { String step -> lines << "buildmail:   - ${step}" }
    }
    report.warnings.each { String warning -> lines << "buildmail: warning: ${warning}" }
    return lines.join('\n')
}

@NonCPS
static String summary(int code, Map report) {
    String what = code == DEFERRED ? 'was deferred' : "failed (exit ${code})"
    String why = report.explanation?.title ?: report.error?.message
    String kept = report.outbox_id ? "; kept in the outbox as ${report.outbox_id}" : ''
    return why ? "${what}: ${why}${kept}" : "${what}${kept}"
}
