// Validates every *.json FHIR R4 resource in the directories given, in one JVM, with HAPI FHIR's
// instance validator against the R4 core definitions only. There is no terminology server: a code
// from a code system the validator does not hold cannot be checked (an unknown system is reported
// as a warning; SNOMED CT codes pass unchecked, so their terms are checked by hand, README "FHIR").
//
// Run from source (Java 11+): java -cp '<libs>/*' Validate.java [--definitions DIR] DIR...
// --definitions: conformance resources (e.g. a CodeSystem) the validator should also know, so that
// a code from them is checked (an unknown code is an error) rather than reported as unknown.
// Displays are not compared with the code system's (this setup does not), so tests do that.
// Prints one tab-separated line per message: file, severity, location, message; then a line
// "done<TAB><files>" so a caller knows the run finished.
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

public class Validate {
    public static void main(String[] args) throws IOException {
        FhirContext context = FhirContext.forR4();
        PrePopulatedValidationSupport definitions = new PrePopulatedValidationSupport(context);
        List<String> dirs = new ArrayList<>(List.of(args));
        if (!dirs.isEmpty() && dirs.get(0).equals("--definitions")) {
            for (Path file : jsonFiles(dirs.get(1))) {
                definitions.addResource(context.newJsonParser().parseResource(Files.readString(file, StandardCharsets.UTF_8)));
            }
            dirs = dirs.subList(2, dirs.size());
        }
        ValidationSupportChain support = new ValidationSupportChain(
                new DefaultProfileValidationSupport(context),
                definitions,
                new CommonCodeSystemsTerminologyService(context),
                new InMemoryTerminologyServerValidationSupport(context),
                new SnapshotGeneratingValidationSupport(context),
                new UnknownCodeSystemWarningValidationSupport(context));
        FhirInstanceValidator instanceValidator = new FhirInstanceValidator(support);
        FhirValidator validator = context.newValidator().registerValidatorModule(instanceValidator);

        List<Path> files = new ArrayList<>();
        for (String dir : dirs) {
            files.addAll(jsonFiles(dir));
        }
        for (Path file : files) {
            ValidationResult result = validator.validateWithResult(Files.readString(file, StandardCharsets.UTF_8));
            for (SingleValidationMessage message : result.getMessages()) {
                System.out.println(String.join("\t", file.getFileName().toString(),
                        message.getSeverity().getCode(), clean(message.getLocationString()), clean(message.getMessage())));
            }
        }
        System.out.println("done\t" + files.size());
    }

    private static List<Path> jsonFiles(String dir) throws IOException {
        try (Stream<Path> found = Files.list(Path.of(dir))) {
            return found.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static String clean(String text) {
        return text == null ? "" : text.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
